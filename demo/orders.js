'use strict';
// orders: places an order after checking stock with inventory.
//   POST /orders  {"sku": "...", "quantity": N}
// Called by frontend. Each placed order is audited by a background span that
// starts a new trace and is *linked* to the request span.
//
// Two deliberate mistakes live here, for TraceLens's analyses to find:
//   - the stock call forwards only some baggage entries: user.id is dropped
//     (forwardListedBaggage), and
//   - the reservation call does not inject its trace context (reserveStock).
const { onShutdown } = require('./tracing'); // first: sets up OpenTelemetry (no-op when preloaded)
const { randomUUID } = require('node:crypto');
const { context, SpanKind } = require('@opentelemetry/api');
const { suppressTracing } = require('@opentelemetry/core');
const { withSpan, serve, callJson, HttpError, sleep, between, urlOf } = require('./common');

// Background audits still running; shutdown waits for them so their spans end
// (and get exported) before the process exits.
const pendingAudits = new Set();
onShutdown(() => Promise.all(pendingAudits));

async function placeOrder({ body }) {
  return withSpan('orders.place', { attributes: { 'app.item.sku': String(body?.sku) } }, async (span) => {
    const quantity = Number(body?.quantity ?? 1);
    if (!body?.sku || !Number.isInteger(quantity) || quantity < 1) throw new HttpError(400, 'sku and a positive integer quantity are required');
    const express = quantity === 1; // pretend single items ship faster
    span.addEvent('order.validated', { 'app.order.quantity': quantity, 'app.order.express': express });

    const stock = await callJson('GET', `${urlOf('inventory')}/stock/${encodeURIComponent(body.sku)}?quantity=${quantity}`, undefined, {
      onRequest: forwardListedBaggage, // deliberate mistake: drops user.id
    });
    if (!stock.available) throw new HttpError(409, `${body.sku} is out of stock`);
    const reservation = await reserveStock(body.sku, quantity); // deliberate mistake: a new trace in inventory

    const order = await priceOrder(stock, quantity);
    span.setAttributes({
      'app.reservation.id': reservation.id, // the inventory trace that should have been part of this one
      'app.order.id': order.id, // string
      'app.order.quantity': quantity, // int
      'app.order.total': order.total, // double
      'app.order.express': express, // bool
      'app.order.components': stock.components, // string[] (empty unless a bundle)
    });
    // Fire and forget (not awaited): the audit outlives the request and has its own trace.
    const audit = writeAuditRecord(order, span.spanContext());
    pendingAudits.add(audit);
    audit.finally(() => pendingAudits.delete(audit));
    return { status: 201, body: order };
  });
}

// DELIBERATE MISTAKE (TraceLens: baggage-dropped). orders forwards to inventory
// only the baggage keys on this list, and the list lacks user.id. The http
// instrumentation injected every entry; this rewrites the `baggage` header of
// the stock request before it is sent. So orders' spans (the CLIENT span of the
// call included) carry baggage.user.id, and inventory's spans do not.
const FORWARDED_BAGGAGE = ['tenant.id', 'session.id'];

function forwardListedBaggage(req) {
  const entries = String(req.getHeader('baggage') ?? '').split(',').filter(Boolean);
  const kept = entries.filter((entry) => FORWARDED_BAGGAGE.includes(decodeURIComponent(entry.split('=')[0].trim())));
  if (kept.length > 0) req.setHeader('baggage', kept.join(','));
  else req.removeHeader('baggage');
}

// DELIBERATE MISTAKE (TraceLens: broken-propagation).
// Context not injected: the callee starts a new trace.
// The call has a CLIENT span of its own (started here, by hand), but the
// request is sent with tracing suppressed, so the http instrumentation neither
// records it nor injects `traceparent` (or `baggage`). inventory's
// `POST /reservations` SERVER span becomes the root of a new trace, at the same
// time as this CLIENT span, which has no SERVER child.
function reserveStock(sku, quantity) {
  const url = `${urlOf('inventory')}/reservations`;
  const { hostname, port } = new URL(url);
  return withSpan('POST /reservations', {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': 'POST',
      'url.full': url,
      'url.template': '/reservations',
      'server.address': hostname,
      'server.port': Number(port),
      'peer.service': 'inventory',
    },
  }, () => context.with(suppressTracing(context.active()), () => callJson('POST', url, { sku, quantity })));
}

function priceOrder(stock, quantity) {
  return withSpan('orders.price', { legacyCode: true }, async (span) => {
    await sleep(between(2, 8)); // tax / discount rules
    const discount = quantity >= 3 ? 0.1 : 0;
    const total = Math.round(stock.unitPrice * quantity * (1 - discount) * 100) / 100;
    span.setAttributes({ 'app.order.discount': discount, 'app.order.currency': 'EUR' });
    return { id: randomUUID(), sku: stock.sku, name: stock.name, quantity, total, currency: 'EUR' };
  });
}

function writeAuditRecord(order, requestSpanContext) {
  return withSpan('orders.audit', {
    root: true, // a new trace ...
    links: [{ context: requestSpanContext, attributes: { 'app.link.reason': 'audit of placed order' } }], // ... pointing back at the request
    legacyCode: true,
    attributes: { 'app.order.id': order.id },
  }, async () => {
    await sleep(between(10, 25)); // append to the audit log
  }).catch((err) => console.error('audit failed:', err));
}

serve('orders', { 'POST /orders': placeOrder });
