'use strict';
// OpenTelemetry setup shared by the demo services. Load it before anything else:
//
//   node --require ./demo/tracing.js demo/frontend.js
//
// (a service may also require('./tracing') as its very first line; the module is
// only initialised once). Everything is configured through the standard OTEL_*
// environment variables; the block below only fills in values that are unset.

const path = require('node:path');
const { propagation } = require('@opentelemetry/api');
const { setGlobalErrorHandler } = require('@opentelemetry/core');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { BatchSpanProcessor, ConsoleSpanExporter } = require('@opentelemetry/sdk-trace');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { OTLPTraceExporter: OTLPProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: OTLPJsonExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPTraceExporter: OTLPGrpcExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin');

// ---- Defaults (only where the variable is unset or empty) -------------------
const env = process.env;
const setDefault = (name, value) => { if (!env[name]?.trim()) env[name] = value; };

setDefault('OTEL_SERVICE_NAME', path.basename(process.argv[1] ?? 'demo', '.js'));
setDefault('OTEL_BSP_SCHEDULE_DELAY', '200'); // spans show up ~immediately (SDK default: 5000)
setDefault('OTEL_TRACES_EXPORTER', 'otlp');
setDefault('OTEL_METRICS_EXPORTER', 'none'); // the demo is about traces; no /v1/metrics or /v1/logs
setDefault('OTEL_LOGS_EXPORTER', 'none');
setDefault('OTEL_LOG_LEVEL', 'warn'); // print SDK warnings on stderr
setDefault('OTEL_EXPORTER_OTLP_TIMEOUT', '3000'); // local receiver: report a dead endpoint fast (SDK default: 10000)
const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()) {
  // The exporters' own defaults use "localhost"; TraceLens listens on 127.0.0.1.
  env.OTEL_EXPORTER_OTLP_ENDPOINT = protocol === 'grpc' ? 'http://127.0.0.1:4317' : 'http://127.0.0.1:4318';
}
setDefault('OTEL_EXPORTER_ZIPKIN_ENDPOINT', 'http://127.0.0.1:9411/api/v2/spans');

// ---- Exporters --------------------------------------------------------------
// NodeSDK (0.301) only picks exporters from OTEL_TRACES_EXPORTER /
// OTEL_EXPORTER_OTLP_PROTOCOL when it is given neither `traceExporter` nor
// `spanProcessors`. We need our own span processor (baggage, below), so the
// same selection is done here. Endpoints, headers and timeouts are still read
// by the exporters themselves from OTEL_EXPORTER_OTLP_* / OTEL_EXPORTER_ZIPKIN_*.
function exportersFromEnv() {
  const names = [...new Set(env.OTEL_TRACES_EXPORTER.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.includes('none')) return [];
  return names.flatMap((name) => {
    if (name === 'zipkin') return [new ZipkinExporter()];
    if (name === 'console') return [new ConsoleSpanExporter()];
    if (name !== 'otlp') {
      console.warn(`[tracing] unsupported OTEL_TRACES_EXPORTER value "${name}" (use otlp, zipkin, console or none)`);
      return [];
    }
    if (protocol === 'grpc') return [new OTLPGrpcExporter()];
    if (protocol === 'http/json') return [new OTLPJsonExporter()];
    if (protocol !== 'http/protobuf') console.warn(`[tracing] unsupported OTLP protocol "${protocol}", using http/protobuf`);
    return [new OTLPProtoExporter()];
  });
}

const positive = (name) => (Number(env[name]) > 0 ? Number(env[name]) : undefined);
const batchOptions = {
  scheduledDelayMillis: positive('OTEL_BSP_SCHEDULE_DELAY'),
  maxQueueSize: positive('OTEL_BSP_MAX_QUEUE_SIZE'),
  maxExportBatchSize: positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  exportTimeoutMillis: positive('OTEL_BSP_EXPORT_TIMEOUT'),
};

// ---- Baggage -> span attributes ---------------------------------------------
// Every span started in this process gets the baggage entries of its parent
// context (user.id, tenant.id, session.id set by the frontend) as attributes
// named `baggage.<key>`: baggage key user.id -> attribute baggage.user.id.
class BaggageSpanProcessor {
  onStart(span, parentContext) {
    const baggage = propagation.getBaggage(parentContext);
    for (const [key, entry] of baggage?.getAllEntries() ?? []) span.setAttribute(`baggage.${key}`, entry.value);
  }
  onEnd() {}
  forceFlush() { return Promise.resolve(); }
  shutdown() { return Promise.resolve(); }
}

// Failed exports (receiver down, wrong protocol, ...) are reported and
// otherwise ignored: the services keep running. One short line each.
setGlobalErrorHandler((err) => console.error(`[tracing] ${err?.message ?? err}`));

// ---- SDK ----------------------------------------------------------------------
const sdk = new NodeSDK({
  // service.name comes from OTEL_SERVICE_NAME; OTEL_RESOURCE_ATTRIBUTES can override these.
  resource: defaultResource().merge(
    resourceFromAttributes({ 'service.namespace': 'tracelens-demo', 'service.version': '1.0.0' })
  ),
  spanProcessors: [
    new BaggageSpanProcessor(),
    ...exportersFromEnv().map((exporter) => new BatchSpanProcessor({ exporter, ...batchOptions })),
  ],
  instrumentations: [
    // Server + client spans for node:http, and W3C traceparent/baggage headers
    // injected into outgoing requests and extracted from incoming ones.
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/health' }),
  ],
});
sdk.start();

// ---- Graceful shutdown ----------------------------------------------------------
const closers = [];
let stopping;

/** Register a cleanup (e.g. closing the HTTP server) to run before spans are flushed. */
function onShutdown(fn) {
  closers.push(fn);
}

/**
 * Run cleanups, flush all pending spans, then exit: code 0 when every span was
 * exported, 1 otherwise. Safe to call more than once.
 */
function shutdown() {
  stopping ??= (async () => {
    // Never hang on an unreachable receiver.
    setTimeout(() => {
      console.error('[tracing] span flush did not finish within 5 s; spans were lost');
      process.exit(1);
    }, 5000).unref();
    for (const close of closers) await Promise.resolve().then(close).catch((err) => console.error(err));
    try {
      await sdk.shutdown(); // flushes the batch span processors
      process.exit(0);
    } catch (err) {
      console.error(`[tracing] could not flush spans: ${err?.message ?? err}`);
      process.exit(1);
    }
  })();
  return stopping;
}

process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// run.mjs asks over the IPC channel: this also works on Windows, where signals
// sent to a child process kill it without running any handler.
process.on('message', (message) => { if (message === 'shutdown') shutdown(); });
// ... and if run.mjs dies without asking (e.g. SIGKILL), the channel closes: stop too.
process.on('disconnect', shutdown);

module.exports = { onShutdown, shutdown };
