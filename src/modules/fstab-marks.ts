/**
 * How cloud-config's lines in /etc/fstab are told apart from the admin's:
 * the mount option `comment=cloudconfig`. The mounts module writes them;
 * `clean --configs fstab` removes exactly those.
 */
export const FSTAB_MARK = 'comment=cloudconfig';

/** Lines cc_mounts added to fstab (their options carry the mark) go; the rest of the file stays. */
export function stripMarkedFstabLines(text: string): string {
  return text
    .split(/(?<=\n)/)
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return line.trim().startsWith('#') || !(fields[3] ?? '').split(',').includes(FSTAB_MARK);
    })
    .join('');
}

