import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { SnippetLanguage } from '../../src/core/envSnippets';
import { envSnippet, SERVICE_NAME_PLACEHOLDER, SNIPPET_LANGUAGES } from '../../src/core/envSnippets';

const HTTP = { endpoint: 'http://127.0.0.1:4318', protocol: 'http/protobuf' } as const;

describe('environment snippets', () => {
  it('sets the OTLP endpoint, protocol, service name, exporter and a short batch delay', () => {
    const s = envSnippet({ language: 'node', ...HTTP });
    assert.deepEqual(s.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: SERVICE_NAME_PLACEHOLDER,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
    assert.match(s.text, /^export OTEL_EXPORTER_OTLP_ENDPOINT='http:\/\/127\.0\.0\.1:4318'$/m);
    assert.match(s.text, /^# Replace "my-service" with your service's name\.$/m);
  });

  it('names what reads the variables for every language', () => {
    const readers: Record<SnippetLanguage, RegExp> = {
      node: /@opentelemetry\/auto-instrumentations-node\/register/,
      python: /opentelemetry-instrument python/,
      java: /-javaagent:/,
      go: /otlptracehttp/,
      dotnet: /OpenTelemetry\.Exporter\.OpenTelemetryProtocol/,
    };
    assert.deepEqual(SNIPPET_LANGUAGES.map((l) => l.id).sort(), Object.keys(readers).sort());
    for (const { id, label } of SNIPPET_LANGUAGES) {
      const text = envSnippet({ language: id, ...HTTP }).text;
      assert.match(text, readers[id], id);
      assert.ok(text.startsWith(`# TraceLens: send ${label} traces to http://127.0.0.1:4318 (http/protobuf)\n`), id);
      assert.ok(text.split('\n').every((line) => line === '' || line.startsWith('# ') || line.startsWith('export ')), id);
    }
  });

  it('follows the receiver: gRPC endpoint and protocol, no trailing slash, a given service name', () => {
    const s = envSnippet({ language: 'go', endpoint: 'http://[::1]:4317/', protocol: 'grpc', serviceName: 'checkout' });
    assert.equal(s.env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://[::1]:4317');
    assert.equal(s.env.OTEL_EXPORTER_OTLP_PROTOCOL, 'grpc');
    assert.equal(s.env.OTEL_SERVICE_NAME, 'checkout');
    assert.match(s.text, /otlptracegrpc/);
    assert.doesNotMatch(s.text, /Replace/);
  });

  it('writes PowerShell assignments', () => {
    const s = envSnippet({ language: 'dotnet', ...HTTP, shell: 'powershell', serviceName: "o'brien" });
    assert.match(s.text, /^\$env:OTEL_EXPORTER_OTLP_ENDPOINT = 'http:\/\/127\.0\.0\.1:4318'$/m);
    assert.match(s.text, /^\$env:OTEL_SERVICE_NAME = 'o''brien'$/m);
  });

  it('quotes values so that a POSIX shell sets exactly them', { skip: process.platform === 'win32' }, () => {
    const name = `it's $HOME "quoted" \`x\``;
    const s = envSnippet({ language: 'python', ...HTTP, serviceName: name });
    const out = execFileSync('sh', ['-c', `${s.text}\nprintf '%s\\n' "$OTEL_SERVICE_NAME" "$OTEL_EXPORTER_OTLP_PROTOCOL"`], { encoding: 'utf8' });
    assert.equal(out, `${name}\nhttp/protobuf\n`);
  });
});
