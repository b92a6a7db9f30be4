'use strict';
// inventory: stock and prices, backed by a (simulated) SQL table.
//   GET /stock/:sku?quantity=N
//   POST /reservations  {"sku": "...", "quantity": N}
// Called by orders. Unknown SKUs fail with 404; bundles are slow (N+1 queries).
// orders calls POST /reservations without trace context (a deliberate mistake,
// see orders.js), so each reservation is the root of a trace of its own.
require('./tracing'); // no-op when already loaded with --require
const { randomUUID } = require('node:crypto');
const { SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { withSpan, serve, HttpError, sleep, between } = require('./common');

class ItemNotFoundError extends HttpError {
  constructor(sku) {
    super(404, `no item with sku "${sku}"`);
    this.name = 'ItemNotFoundError';
  }
}

/** An in-memory table that behaves (and is traced) like a database table. */
class InventoryTable {
  constructor(rows) {
    this.rows = new Map(rows.map((row) => [row.sku, row]));
  }

  /** SELECT ... WHERE sku = $1, as a CLIENT span with the database semantic conventions. */
  selectBySku(sku) {
    const row = this.rows.get(sku);
    return withSpan('SELECT items', {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': 'inventory',
        'db.collection.name': 'items',
        'db.operation.name': 'SELECT',
        'db.query.text': 'SELECT sku, name, stock, unit_price, components FROM items WHERE sku = $1',
        'db.query.summary': 'SELECT items',
        'server.address': 'inventory-db.internal', // simulated: there is no real database
        'server.port': 5432,
      },
    }, async (span) => {
      // Bundle components live on a "cold" partition: each lookup is slow.
      await sleep(row?.cold ? between(55, 90) : between(4, 15));
      span.setAttribute('db.response.returned_rows', row ? 1 : 0);
      return row;
    });
  }
}

const table = new InventoryTable([
  { sku: 'coffee-beans', name: 'Single-origin coffee beans, 1 kg', stock: 120, unitPrice: 24.9, tags: ['coffee', 'food'] },
  { sku: 'espresso-machine', name: 'Dual-boiler espresso machine', stock: 7, unitPrice: 649.9, tags: ['coffee', 'appliance'] },
  { sku: 'milk-frother', name: 'Milk frother', stock: 40, unitPrice: 39.99, tags: ['coffee', 'accessory'] },
  {
    sku: 'gamer-bundle', name: 'Gamer PC bundle', stock: 3, unitPrice: 1899.99, tags: ['pc', 'bundle'],
    components: ['gpu-rtx', 'cpu-16c', 'ram-32gb', 'ssd-2tb', 'psu-850w', 'case-atx'],
  },
  ...['gpu-rtx', 'cpu-16c', 'ram-32gb', 'ssd-2tb', 'psu-850w', 'case-atx'].map((sku) => (
    { sku, name: sku, stock: 10, unitPrice: 0, tags: ['pc', 'component'], cold: true }
  )),
]);

async function getStock({ url, params }) {
  const sku = params.sku;
  const quantity = Number(url.searchParams.get('quantity') || 1);
  return withSpan('inventory.check_stock', {
    legacyCode: true, // this span also carries code.function / code.namespace / code.filepath / code.lineno
    attributes: { 'app.item.sku': sku, 'app.item.quantity': quantity },
  }, async (span) => {
    const item = await table.selectBySku(sku);
    if (!item) {
      const err = new ItemNotFoundError(sku);
      span.recordException(err); // "exception" event: type, message, stacktrace
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw err; // -> HTTP 404
    }

    let components = [];
    if (item.components) {
      // The classic N+1: one query per component instead of one "WHERE sku IN (...)".
      span.addEvent('bundle.expand', { 'app.bundle.components': item.components.length });
      for (const part of item.components) components.push(await table.selectBySku(part));
    }
    const available = item.stock >= quantity && components.every((part) => part.stock >= quantity);
    span.setAttributes({
      'app.item.in_stock': available, // bool
      'app.item.unit_price': item.unitPrice, // double
      'app.item.tags': item.tags, // string[]
    });
    return { body: { sku, name: item.name, unitPrice: item.unitPrice, available, components: item.components ?? [] } };
  });
}

async function reserve({ body }) {
  const quantity = Number(body?.quantity ?? 1);
  return withSpan('inventory.reserve', {
    attributes: { 'app.item.sku': String(body?.sku), 'app.item.quantity': quantity },
  }, async (span) => {
    if (!body?.sku) throw new HttpError(400, 'sku is required');
    await sleep(between(2, 6)); // hold the items for a while
    const id = randomUUID();
    span.setAttribute('app.reservation.id', id);
    return { status: 201, body: { id, sku: body.sku, quantity } };
  });
}

serve('inventory', { 'GET /stock/:sku': getStock, 'POST /reservations': reserve });
