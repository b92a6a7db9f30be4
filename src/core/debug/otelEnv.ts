// The OpenTelemetry environment a debugged (or terminal-started) program gets so that its SDK exports to the editor's
// receiver with no setup: the standard OTEL_* variables every SDK reads (Node, Python, Java, Go, .NET), added only
// where the user set nothing. Pure: the extension reads the launch configuration and applies the plan.
import type { OtlpProtocol } from '../envSnippets';

/** The resource attribute that names the debug session a process was started by (see sessions.ts). */
export const SESSION_ATTRIBUTE = 'tracelens.debug.session';

/** Milliseconds between batch exports: spans show up while stepping (the SDKs' default is 5,000). */
export const DEBUG_BATCH_DELAY_MS = '200';


/** Where the receivers listen, as exporters name them (http://127.0.0.1:4318); absent when that one is off. */
export interface ReceiverEndpoints {
  readonly http?: string;
  readonly grpc?: string;
}

export interface EnvRequest {
  /** What the user set: the configuration's env over its envFile. A null value unsets a variable. */
  readonly userEnv: Readonly<Record<string, string | null | undefined>>;
  readonly endpoints: ReceiverEndpoints;
  /** The protocol to use when the user names none. */
  readonly protocol: OtlpProtocol;
  /** OTEL_SERVICE_NAME when the user set none: the launch configuration's name. */
  readonly serviceName?: string;
  /** Tags the processes' resource with the session (SESSION_ATTRIBUTE); none for terminals. */
  readonly sessionTag?: string;
}

export interface EnvPlan {
  /** Variables to set: none of them was set by the user (OTEL_RESOURCE_ATTRIBUTES keeps the user's entries first). */
  readonly add: Readonly<Record<string, string>>;
  /** OTEL_* variables the user set, left as they are. */
  readonly kept: readonly string[];
  /** The endpoint the program will export to (the user's, when set). */
  readonly endpoint?: string;
  /** Why no endpoint was added, for the log. */
  readonly problem?: string;
}

const isSet = (env: EnvRequest['userEnv'], name: string): boolean => {
  const v = env[name];
  return typeof v === 'string' ? v.trim() !== '' : v === null; // null: the user unsets it on purpose
};

/** Keys of OTEL_RESOURCE_ATTRIBUTES ("k1=v1,k2=v2"; keys and values percent-encoded). */
export function resourceAttributeKeys(value: string): string[] {
  return value
    .split(',')
    .map((pair) => pair.split('=')[0]?.trim() ?? '')
    .filter((k) => k !== '')
    .map((k) => {
      try {
        return decodeURIComponent(k);
      } catch {
        return k;
      }
    });
}

/** Whether an endpoint a user set is one of the receivers (so the rest of the environment still helps). */
function isReceiver(url: string, endpoints: ReceiverEndpoints): boolean {
  const norm = (u: string): string =>
    u
      .trim()
      .toLowerCase()
      .replace(/\/v1\/traces\/?$/, '')
      .replace(/\/+$/, '')
      .replace('//localhost:', '//127.0.0.1:');
  const own = norm(url);
  return [endpoints.http, endpoints.grpc].some((e) => e !== undefined && norm(e) === own);
}

/** A service name from a launch configuration's name: trimmed, one line, at most 100 characters. */
export function serviceNameFrom(configName: string): string {
  return configName.replace(/\s*[\r\n\t]+\s*/g, ' ').trim().slice(0, 100);
}

/** The variables to add so that the program exports to the receiver; never one the user set. */
export function otelEnvironment(req: EnvRequest): EnvPlan {
  const env = req.userEnv;
  const add: Record<string, string> = {};
  const kept = Object.keys(env).filter((k) => k.startsWith('OTEL_') && isSet(env, k)).sort();
  const setDefault = (name: string, value: string): void => {
    if (!isSet(env, name)) add[name] = value;
  };

  // Endpoint and protocol. A user endpoint wins; a user protocol picks the matching receiver. A variable the user
  // unsets (null) stays unset: without OTEL_EXPORTER_OTLP_PROTOCOL the SDKs speak http/protobuf.
  const text = (name: string): string | undefined => {
    const v = env[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const protocolUnset = env['OTEL_EXPORTER_OTLP_PROTOCOL'] === null && !text('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  const userProtocol = text('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? text('OTEL_EXPORTER_OTLP_PROTOCOL') ?? (protocolUnset ? 'http/protobuf' : undefined);
  const userEndpoint = text('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? text('OTEL_EXPORTER_OTLP_ENDPOINT');
  // The user's own endpoint elsewhere (a team collector): their setup is theirs, TraceLens adds nothing to it.
  if (userEndpoint && !isReceiver(userEndpoint, req.endpoints)) {
    return { add: {}, kept, endpoint: userEndpoint, problem: `it exports to ${userEndpoint} (its own OTEL_EXPORTER_OTLP_ENDPOINT), so TraceLens leaves its environment alone` };
  }
  let endpoint = userEndpoint;
  let problem: string | undefined;
  const unset = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'].find((name) => env[name] === null);
  if (!userEndpoint && unset) {
    problem = `the launch configuration unsets ${unset}, so the program exports where its SDK defaults to`;
  } else if (!userEndpoint) {
    let protocol = (userProtocol ?? req.protocol) as string;
    let url = protocol === 'grpc' ? req.endpoints.grpc : req.endpoints.http;
    if (!url && !userProtocol) {
      // The preferred receiver is off: use the other one, and say which protocol it speaks.
      protocol = protocol === 'grpc' ? 'http/protobuf' : 'grpc';
      url = protocol === 'grpc' ? req.endpoints.grpc : req.endpoints.http;
    }
    if (url) {
      add['OTEL_EXPORTER_OTLP_ENDPOINT'] = url;
      if (!userProtocol) add['OTEL_EXPORTER_OTLP_PROTOCOL'] = protocol;
      endpoint = url;
    } else {
      problem = userProtocol
        ? `no TraceLens receiver listens for OTEL_EXPORTER_OTLP_PROTOCOL=${userProtocol}; turn it on in the tracelens.receivers settings`
        : 'no TraceLens OTLP receiver is listening; turn one on in the tracelens.receivers settings';
    }
  }

  const resource = typeof env['OTEL_RESOURCE_ATTRIBUTES'] === 'string' ? env['OTEL_RESOURCE_ATTRIBUTES'].trim() : '';
  const resourceKeys = resourceAttributeKeys(resource);
  const service = req.serviceName ? serviceNameFrom(req.serviceName) : '';
  if (service && !resourceKeys.includes('service.name')) setDefault('OTEL_SERVICE_NAME', service);
  setDefault('OTEL_BSP_SCHEDULE_DELAY', DEBUG_BATCH_DELAY_MS);
  setDefault('OTEL_TRACES_SAMPLER', 'always_on');
  // TraceLens stores traces and logs, not metrics: an SDK exporting metrics here would log a failure every minute.
  setDefault('OTEL_METRICS_EXPORTER', 'none');
  if (req.sessionTag && env['OTEL_RESOURCE_ATTRIBUTES'] !== null && !resourceKeys.includes(SESSION_ATTRIBUTE)) {
    const tag = `${SESSION_ATTRIBUTE}=${encodeURIComponent(req.sessionTag)}`;
    const user = resource.replace(/[\s,]+$/, ''); // "a=1," would leave an empty entry
    add['OTEL_RESOURCE_ATTRIBUTES'] = user ? `${user},${tag}` : tag;
  }
  return { add, kept, ...(endpoint ? { endpoint } : {}), ...(problem ? { problem } : {}) };
}

/**
 * The variables of a dotenv file (a launch configuration's envFile): KEY=VALUE lines, `export` allowed, # comments
 * (a whole line, or after a value and a space), single or double quotes (double quotes know \n, \r, \t, \" and \\).
 * Lines that are not assignments are skipped.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    let value = m[2]!;
    const quote = value[0];
    const close = quote === '"' || quote === "'" ? closingQuote(value, quote) : -1;
    // A quoted value ends at its closing quote; only a comment may follow it.
    if (close > 0 && /^(\s+#.*)?$/.test(value.slice(close + 1))) {
      value = value.slice(1, close);
      if (quote === '"') value = value.replace(/\\([nrt"\\])/g, (_, c: string) => ESCAPES[c] ?? c);
    } else {
      value = value.replace(/(^|\s+)#.*$/, '');
    }
    out[m[1]!] = value;
  }
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/** Where a value that opens with `quote` closes (a double quote skips escaped quotes); -1 when it does not. */
function closingQuote(value: string, quote: string): number {
  for (let i = 1; i < value.length; i++) {
    if (quote === '"' && value[i] === '\\') i++;
    else if (value[i] === quote) return i;
  }
  return -1;
}
