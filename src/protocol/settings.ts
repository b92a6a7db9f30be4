// The user-facing names of each listener: its label, its `tracelens serve` flag and its VS Code setting, so the
// server's messages and the extension's settings agree.
import type { ReceiverProtocol } from './messages';

/** For messages: the flag and the VS Code setting that set each address. */
export const ADDRESS_OPTIONS: Record<ReceiverProtocol, { flag: string; setting: string; label: string }> = {
  'otlp-http': { flag: '--otlp-http', setting: 'tracelens.receivers.otlpHttp', label: 'OTLP/HTTP' },
  'otlp-grpc': { flag: '--otlp-grpc', setting: 'tracelens.receivers.otlpGrpc', label: 'OTLP/gRPC' },
  zipkin: { flag: '--zipkin', setting: 'tracelens.receivers.zipkin', label: 'Zipkin' },
  query: { flag: '--query', setting: 'tracelens.queryApi.address', label: 'Query API' },
};
