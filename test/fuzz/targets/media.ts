/**
 * Seed disk filesystems: openFilesystem over the image, then every
 * directory listed and every file read (depth and count bounded, as a
 * datasource reads a few known paths). A broken image may only give a
 * MediaError that names the image; never another exception or a hang.
 * Seed images are made by the real tools (genisoimage, mkfs.vfat, mtools)
 * as test/media does.
 */
import { readFileSync } from 'node:fs';
import { openFilesystem } from '../../../src/media/filesystem.ts';
import { fatImage, genisoimage, TempDirs, xorrisoNative, type Tree } from '../../media/images.ts';
import { encodeImage, imageReader, mutateImage } from '../mutate-media.ts';
import { ACCEPTED, thrown, type Verdict } from '../oracle.ts';
import type { FuzzTarget } from '../target.ts';

const IMAGE = 'seed.img';
const TREE: Tree = {
  'meta-data': 'instance-id: i-1\nlocal-hostname: fuzz\n',
  'user-data': '#cloud-config\nhostname: fuzz\n',
  'network-config': 'version: 2\nethernets: {eth0: {dhcp4: true}}\n',
  'openstack/latest/meta_data.json': '{"uuid": "u", "files": [{"path": "/etc/x", "content_path": "/content/0000"}]}',
  'openstack/latest/network_data.json': '{"links": [], "networks": [], "services": []}',
  'openstack/content/0000': 'file content\n',
  'A Long File Name With Spaces.txt': 'lfn\n',
  'deep/er/still/file': 'deep\n',
};

function walk(fs: ReturnType<typeof openFilesystem>): void {
  let budget = 500;
  const visit = (dir: string, depth: number): void => {
    const names = fs.list(dir) ?? [];
    for (const n of names) {
      if (--budget < 0 || depth > 8) return;
      const path = dir === '/' ? `/${n}` : `${dir}/${n}`;
      if (fs.readFile(path) === null) visit(path, depth + 1);
    }
  };
  visit('/', 0);
  // The paths datasources ask for, also through ".." and odd spellings.
  for (const p of ['/meta-data', 'user-data', '/openstack/latest/meta_data.json', '/deep/../meta-data', '//openstack//content/0000', '/nope']) fs.readFile(p);
}

function run(input: Buffer): Verdict {
  try {
    walk(openFilesystem(imageReader(input, IMAGE)));
    return ACCEPTED;
  } catch (e) {
    return thrown(e, IMAGE);
  }
}

function build(make: (work: string) => string[]): Buffer[] {
  const temp = new TempDirs();
  try {
    return make(temp.make('fuzz-seeds')).map((p) => encodeImage(readFileSync(p)));
  } finally {
    temp.cleanup();
  }
}

export const iso9660: FuzzTarget = {
  name: 'iso9660',
  description: 'ISO 9660 images (plain, Rock Ridge, Joliet, xorriso): openFilesystem + list and read every file',
  code: ['src/media/'],
  seeds: () =>
    build((w) => [
      genisoimage(w, TREE, ['-V', 'cidata'], 'plain.iso'),
      genisoimage(w, TREE, ['-V', 'cidata', '-R', '-J'], 'rj.iso'),
      genisoimage(w, TREE, ['-V', 'config-2', '-J', '-joliet-long'], 'jl.iso'),
      xorrisoNative(w, TREE, 'config-2'),
    ]),
  generator: () => mutateImage,
  run,
};

export const fat: FuzzTarget = {
  name: 'fat',
  description: 'FAT12/16/32 images: openFilesystem + list and read every file',
  code: ['src/media/'],
  seeds: () =>
    build((w) => [
      fatImage(w, TREE, 2048, ['-n', 'CIDATA'], 'f12.img'),
      fatImage(w, TREE, 20 * 1024, ['-F', '16', '-n', 'cidata'], 'f16.img'),
      fatImage(w, TREE, 40 * 1024, ['-F', '32', '-n', 'CONFIG-2'], 'f32.img'),
    ]),
  generator: () => mutateImage,
  run,
};
