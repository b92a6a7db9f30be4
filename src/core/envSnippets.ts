// Environment snippets that point an application's OpenTelemetry SDK at the running TraceLens receiver, one per
// language, as shell text for POSIX shells or PowerShell. Pure: the extension copies the text to the clipboard.

export type SnippetLanguage = 'node' | 'python' | 'java' | 'go' | 'dotnet';
/** OTEL_EXPORTER_OTLP_PROTOCOL values TraceLens receives. */
export type OtlpProtocol = 'http/protobuf' | 'grpc';
export type SnippetShell = 'posix' | 'powershell';

export interface SnippetLanguageInfo {
  readonly id: SnippetLanguage;
  readonly label: string;
  /** What reads the variables, in a few words (for a quick pick). */
  readonly reader: string;
}

export const SNIPPET_LANGUAGES: readonly SnippetLanguageInfo[] = [
  { id: 'node', label: 'Node.js', reader: '@opentelemetry/sdk-node, auto-instrumentations-node' },
  { id: 'python', label: 'Python', reader: 'opentelemetry-distro, opentelemetry-instrument' },
  { id: 'java', label: 'Java', reader: 'OpenTelemetry Java agent' },
  { id: 'go', label: 'Go', reader: 'otlptracehttp / otlptracegrpc, contrib autoexport' },
  { id: 'dotnet', label: '.NET', reader: 'OpenTelemetry.Exporter.OpenTelemetryProtocol' },
];

export interface SnippetOptions {
  readonly language: SnippetLanguage;
  /** The receiver's base URL, e.g. http://127.0.0.1:4318 (OTLP/HTTP) or http://127.0.0.1:4317 (OTLP/gRPC). */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly shell?: SnippetShell;
  /** Defaults to a placeholder the user replaces. */
  readonly serviceName?: string;
}

export interface EnvSnippet {
  /** The variables, in the order they are written. */
  readonly env: Readonly<Record<string, string>>;
  /** Comment lines saying what reads them, then one assignment per variable. */
  readonly text: string;
}

export const SERVICE_NAME_PLACEHOLDER = 'my-service';
/** Milliseconds between batch exports: short, so spans show up while you watch. */
export const SNIPPET_BSP_DELAY_MS = 500;

/** Comment lines per language: the package or agent that reads the variables, and how to run with it. */
function notes(language: SnippetLanguage, protocol: OtlpProtocol): string[] {
  switch (language) {
    case 'node':
      return [
        'Read by @opentelemetry/sdk-node (NodeSDK), e.g. zero-code:',
        '  npm install @opentelemetry/api @opentelemetry/auto-instrumentations-node',
        '  node --require @opentelemetry/auto-instrumentations-node/register app.js',
      ];
    case 'python':
      return [
        'Read by the OpenTelemetry Python SDK, e.g. zero-code:',
        '  pip install opentelemetry-distro opentelemetry-exporter-otlp && opentelemetry-bootstrap -a install',
        '  opentelemetry-instrument python app.py',
      ];
    case 'java':
      return ['Read by the OpenTelemetry Java agent:', '  java -javaagent:path/to/opentelemetry-javaagent.jar -jar app.jar'];
    case 'go':
      return [
        `Read by go.opentelemetry.io/otel/exporters/otlp/otlptrace/${protocol === 'grpc' ? 'otlptracegrpc' : 'otlptracehttp'} and the SDK's`,
        '  BatchSpanProcessor; OTEL_TRACES_EXPORTER and the protocol by go.opentelemetry.io/contrib/exporters/autoexport',
      ];
    case 'dotnet':
      return [
        'Read by OpenTelemetry.Exporter.OpenTelemetryProtocol (.AddOtlpExporter()),',
        '  or zero-code by OpenTelemetry.AutoInstrumentation',
      ];
  }
}

function assignment(shell: SnippetShell, name: string, value: string): string {
  return shell === 'powershell' ? `$env:${name} = '${value.replace(/'/g, "''")}'` : `export ${name}='${value.replace(/'/g, `'\\''`)}'`;
}

export function envSnippet(o: SnippetOptions): EnvSnippet {
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: o.endpoint.replace(/\/+$/, ''),
    OTEL_EXPORTER_OTLP_PROTOCOL: o.protocol,
    OTEL_SERVICE_NAME: o.serviceName ?? SERVICE_NAME_PLACEHOLDER,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BSP_SCHEDULE_DELAY: String(SNIPPET_BSP_DELAY_MS),
    // TraceLens stores traces only: without these, SDKs that export metrics and logs by default get 404s.
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
  const shell = o.shell ?? 'posix';
  const comments = [
    `TraceLens: send ${SNIPPET_LANGUAGES.find((l) => l.id === o.language)?.label ?? o.language} traces to ${env.OTEL_EXPORTER_OTLP_ENDPOINT} (${o.protocol})`,
    ...notes(o.language, o.protocol),
    o.serviceName === undefined ? `Replace "${SERVICE_NAME_PLACEHOLDER}" with your service's name.` : undefined,
  ].filter((line): line is string => line !== undefined);
  const lines = [...comments.map((c) => `# ${c}`), ...Object.entries(env).map(([k, v]) => assignment(shell, k, v))];
  return { env, text: `${lines.join('\n')}\n` };
}
