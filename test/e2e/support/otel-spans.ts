// Loaded into a spawned `mandate serve` with `--import` (NODE_OPTIONS): registers the
// OpenTelemetry SDK with an in-memory span exporter, and at exit writes every finished span
// (name, kind, attributes, status) to MANDATE_TEST_SPANS_FILE for the test to read.
import { writeFileSync } from 'node:fs'
import { trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'

const exporter = new InMemorySpanExporter()
const provider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
})
trace.setGlobalTracerProvider(provider)

const file = process.env['MANDATE_TEST_SPANS_FILE']
process.on('exit', () => {
  if (file === undefined) return
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    status: span.status.code,
  }))
  writeFileSync(file, JSON.stringify(spans))
})
