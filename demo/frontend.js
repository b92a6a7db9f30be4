'use strict';
// frontend: the entry point.
//   GET /checkout?item=SKU&qty=N&user=NAME
// Sets baggage (user.id, tenant.id, session.id) for the whole request, then
// asks orders to place the order.
require('./tracing'); // no-op when already loaded with --require
const { randomUUID } = require('node:crypto');
const { context, propagation, trace } = require('@opentelemetry/api');
const { withSpan, serve, callJson, HttpError, urlOf } = require('./common');

const TENANTS = { alice: 'acme', bob: 'acme', carol: 'globex', dave: 'initech' };

async function checkout({ req, url }) {
  const user = url.searchParams.get('user') || 'anonymous';
  const entries = {
    'user.id': user,
    'tenant.id': TENANTS[user] ?? 'public',
    'session.id': String(req.headers['x-session-id'] || randomUUID().slice(0, 8)),
  };
  // Baggage lives in the context: everything started inside context.with()
  // sees it, and the http instrumentation sends it downstream in the W3C
  // `baggage` header. The server span already exists, so tag it by hand, with
  // the same `baggage.<key>` attributes the BaggageSpanProcessor (tracing.js) sets.
  const baggage = propagation.createBaggage(
    Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, { value }]))
  );
  for (const [key, value] of Object.entries(entries)) trace.getActiveSpan()?.setAttribute(`baggage.${key}`, value);
  return context.with(propagation.setBaggage(context.active(), baggage), runCheckout, undefined, url);
}

async function runCheckout(url) {
  const sku = url.searchParams.get('item');
  const quantity = Number(url.searchParams.get('qty') || 1);
  return withSpan('frontend.checkout', {
    legacyCode: true,
    attributes: { 'app.item.sku': sku ?? '', 'app.order.quantity': quantity },
  }, async (span) => {
    if (!sku) throw new HttpError(400, 'missing ?item=');
    const order = await callJson('POST', `${urlOf('orders')}/orders`, { sku, quantity });
    span.addEvent('checkout.confirmed', { 'app.order.id': order.id, 'app.order.total': order.total });
    return { body: { ok: true, order } };
  });
}

function index() {
  return {
    body: {
      routes: {
        'GET /checkout?item=coffee-beans&qty=2&user=alice': 'fast path',
        'GET /checkout?item=gamer-bundle&user=bob': 'slow path (N+1 queries in inventory)',
        'GET /checkout?item=unobtainium&user=carol': 'error path (404 in inventory, 500 upstream)',
      },
    },
  };
}

serve('frontend', { 'GET /checkout': checkout, 'GET /': index });
