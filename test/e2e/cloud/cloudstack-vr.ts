/**
 * Apache CloudStack's virtual router (VR) as an instance sees it, for the
 * test cloud, after CloudStack's Administration Guide ("User Data and
 * Metadata", "Adding Password Management to Your Templates"):
 *
 *   port 80, the metadata service (Apache serving one file per key on the VR):
 *     GET /latest/meta-data/        the keys, one per line (each line ends in "\n")
 *     GET /latest/meta-data/<key>   the value, text/plain; an unknown key is 404
 *     GET /latest/<key>             the same value (the older short form the guide still names)
 *     GET /latest/user-data         the user data as given; 404 when the instance has none
 *   port 8080, the password server (a GET on any path, the request in a header):
 *     DomU_Request: send_my_password → the pending password, or "saved_password" when there is none
 *     DomU_Request: saved_password   → the pending password is forgotten; "saved_password"
 *     anything else, or no header    → "bad_request" (status 200, as the real server answers)
 *
 * As with imds.ts, the logic is a class holding the state (values, the
 * pending password, fault counters, the password server's log) with one
 * function from request to answer; the controller only turns answers into
 * HTTP and opens or closes the two ports (a service that is down refuses
 * connections), so everything here is testable without sockets.
 *
 * Not modelled: several instances behind one VR (the real VR keys files
 * and passwords by the client's address; here there is one instance),
 * the VR's DNS and DHCP (dnsmasq in the test cloud does those), the
 * `save_password` request the management server makes from the VR itself,
 * and the user-data-with-variables metadata files beyond plain keys.
 */
import type { CloudStackVrSettings, CloudStackVrSpec, CloudStackVrUpdate, VrPasswordLogEntry } from './types.ts';

/** The metadata service's port on the VR. */
export const VR_METADATA_PORT = 80;
/** The password server's port on the VR. */
export const VR_PASSWORD_PORT = 8080;

/**
 * The keys the VR lists under /latest/meta-data/, in its order; a spec's
 * keys are listed in this order first, any others after them as given.
 */
export const VR_METADATA_KEYS = [
  'service-offering',
  'availability-zone',
  'local-ipv4',
  'local-hostname',
  'public-ipv4',
  'public-hostname',
  'instance-id',
  'vm-id',
  'public-keys',
  'cloud-identifier',
  'hypervisor-host-name',
];

/** The password server's header (node gives header names in lower case). */
const REQUEST_HEADER = 'domu_request';
/** What the password log says instead of a password, so no log ever holds one. */
export const PASSWORD_PLACEHOLDER = '<password>';

export interface VrRequest {
  /** The port it arrived on: VR_METADATA_PORT or VR_PASSWORD_PORT. */
  port: number;
  method: string;
  /** As sent, query string included. */
  path: string;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string>;
}

/** An answer to send; the shape imds-http.ts's sendImdsAnswer takes. */
export interface VrAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Send the answer this much later. */
  delayMs: number;
}

function text(body: string, status = 200): Omit<VrAnswer, 'delayMs'> {
  return { status, headers: { 'content-type': 'text/plain' }, body };
}

/** An error page in the style of Apache's. */
function apacheError(status: number, reason: string): Omit<VrAnswer, 'delayMs'> {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=iso-8859-1' },
    body: `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>${status} ${reason}</title>\n</head><body>\n<h1>${reason}</h1>\n</body></html>\n`,
  };
}

const REASONS: Record<number, string> = {
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export class CloudStackVr {
  private metaData: Record<string, string>;
  private userData: string | undefined;
  /** The password the instance has not acknowledged yet; undefined: none pending. */
  private pending: string | undefined;
  private settings: CloudStackVrSettings = {};
  /** Metadata requests failed on purpose since metadataFailFirst was last given. */
  private failed = 0;
  private readonly log: VrPasswordLogEntry[] = [];
  /** Every password and user-data this VR was given, for the secrets scan (secrets-scan.ts). */
  private readonly handedOut: { passwords: string[]; userData: string[] } = { passwords: [], userData: [] };

  constructor(
    spec: CloudStackVrSpec,
    /** The clock's start (the password log's `at` counts from here), in the caller's milliseconds. */
    private readonly start: number,
  ) {
    this.metaData = { ...spec.metaData };
    this.userData = spec.userData;
    this.pending = spec.password;
    if (spec.password !== undefined) this.handedOut.passwords.push(spec.password);
    if (spec.userData !== undefined) this.handedOut.userData.push(spec.userData);
    this.settings = {
      latencyMs: spec.latencyMs,
      metadataDown: spec.metadataDown,
      passwordDown: spec.passwordDown,
      metadataFailFirst: spec.metadataFailFirst,
      passwordBadRequest: spec.passwordBadRequest,
    };
  }

  /** The operator resets the instance's password: `password` is pending now; null withdraws a pending one. */
  setPassword(password: string | null): void {
    this.pending = password ?? undefined;
    if (password !== null) this.handedOut.passwords.push(password);
  }

  /** Every password and user-data ever given to this VR (the secrets an instance must not leak). */
  secrets(): { passwords: string[]; userData: string[] } {
    return { passwords: [...this.handedOut.passwords], userData: [...this.handedOut.userData] };
  }

  /**
   * Change what the update names, keep the rest: null clears a setting or
   * the user data, `metaData` replaces all values. Giving metadataFailFirst
   * restarts its count.
   */
  configure(update: CloudStackVrUpdate): void {
    if (update.metaData !== undefined) this.metaData = { ...update.metaData };
    if (update.userData !== undefined) this.userData = update.userData ?? undefined;
    if (typeof update.userData === 'string') this.handedOut.userData.push(update.userData);
    if (update.latencyMs !== undefined) this.settings.latencyMs = update.latencyMs ?? undefined;
    if (update.metadataDown !== undefined) this.settings.metadataDown = update.metadataDown ?? undefined;
    if (update.passwordDown !== undefined) this.settings.passwordDown = update.passwordDown ?? undefined;
    if (update.passwordBadRequest !== undefined) this.settings.passwordBadRequest = update.passwordBadRequest ?? undefined;
    if (update.metadataFailFirst !== undefined) {
      this.settings.metadataFailFirst = update.metadataFailFirst ?? undefined;
      this.failed = 0;
    }
  }

  /** Whether a port should be listening now (metadataDown and passwordDown close theirs: connections are refused). */
  listening(port: number): boolean {
    if (port === VR_METADATA_PORT) return !this.settings.metadataDown;
    if (port === VR_PASSWORD_PORT) return !this.settings.passwordDown;
    return false;
  }

  /** Every password server request so far, oldest first (a copy; passwords appear as PASSWORD_PLACEHOLDER). */
  passwordLog(): VrPasswordLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  /** The answer to one request, at time `now` (same clock as the constructor's start). */
  answer(req: VrRequest, now: number): VrAnswer {
    const delayMs = this.settings.latencyMs ?? 0;
    if (req.port === VR_PASSWORD_PORT) return { ...this.password(req, now), delayMs };
    if (req.port === VR_METADATA_PORT) return { ...this.metadata(req), delayMs };
    return { ...apacheError(404, 'Not Found'), delayMs };
  }

  /** The password server: the request is the DomU_Request header; the path does not matter. */
  private password(req: VrRequest, now: number): Omit<VrAnswer, 'delayMs'> {
    const request = req.headers[REQUEST_HEADER] ?? null;
    let body: string;
    let logged: string;
    if (req.method.toUpperCase() !== 'GET') {
      // The stand-in's choice: instances only GET; Python's BaseHTTPRequestHandler, which the real server is, says 501 for a method it has no handler for.
      body = 'Unsupported method';
      this.log.push({ at: Math.round(now - this.start), request, answer: body });
      return text(body, 501);
    }
    if (this.settings.passwordBadRequest) {
      body = 'bad_request';
      logged = body;
    } else if (request === 'send_my_password') {
      body = this.pending ?? 'saved_password';
      logged = this.pending === undefined ? body : PASSWORD_PLACEHOLDER;
    } else if (request === 'saved_password') {
      this.pending = undefined;
      body = 'saved_password';
      logged = body;
    } else {
      body = 'bad_request';
      logged = body;
    }
    this.log.push({ at: Math.round(now - this.start), request, answer: logged });
    return text(body);
  }

  /** The metadata service: Apache serving the VR's per-instance files. */
  private metadata(req: VrRequest): Omit<VrAnswer, 'delayMs'> {
    const fail = this.settings.metadataFailFirst;
    if (fail && this.failed < fail.count) {
      this.failed++;
      return apacheError(fail.status, REASONS[fail.status] ?? 'Error');
    }
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return apacheError(405, 'Method Not Allowed');
    const path = req.path.split('?')[0] ?? '/';
    if (path === '/latest/meta-data/' || path === '/latest/meta-data') return text(this.keys().map((k) => `${k}\n`).join(''));
    if (path === '/latest/user-data') return this.userData === undefined ? apacheError(404, 'Not Found') : text(this.userData);
    const key = /^\/latest\/(?:meta-data\/)?([^/]+)$/.exec(path)?.[1];
    const value = key !== undefined && Object.hasOwn(this.metaData, key) ? this.metaData[key] : undefined;
    return value === undefined ? apacheError(404, 'Not Found') : text(value);
  }

  /** The keys present, CloudStack's first in its order, then the others as the spec gives them. */
  private keys(): string[] {
    const present = Object.keys(this.metaData);
    return [...VR_METADATA_KEYS.filter((k) => present.includes(k)), ...present.filter((k) => !VR_METADATA_KEYS.includes(k))];
  }
}
