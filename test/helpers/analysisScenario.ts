// The analysis scenario, sent with the real OpenTelemetry SDK (sdkShop.ts): a failing checkout across three services
// (an error two services down, an N+1, a baggage key one service drops, a call whose context the callee never
// received), usual and slow traces of the same root (slow-vs-usual), and a slow cohort that shares one attribute value.
// Shared by the analysis API's tests (test/protocol) and the web UI's (test/e2e/web-analysis.test.ts).
//
//   web GET /checkout            0 ................................................ 120  (500 from orders)
//     web POST /orders             5 ............................................ 115
//       orders POST /orders          8 ........................................ 112
//         orders orders.place         10 ...................................... 110  (34 ms of its own)
//           orders GET                  12 ............ 60
//             inventory GET /stock/:sku   14 ........ 58
//               inventory.check_stock      15 ....... 57  (ItemNotFoundError: the error's origin)
//                 SELECT items × 6          16 21 22 27 ... 46 51  (N+1)
//           orders POST                                   62 .... 80  (its callee's span starts a trace of its own)
//   inventory POST /reservations (lost context, its own trace)  64 .. 78
// Baggage: app.user and app.tier reach orders; inventory only gets app.tier (app.user dropped at orders -> inventory).
import { SpanKind } from '@opentelemetry/api';
import type { Call } from './sdkShop';
import type { SdkShop } from './sdkShop';

const DB = { 'db.system.name': 'postgresql', 'db.query.text': "SELECT sku, stock FROM items WHERE sku = 'x'", 'server.address': 'inventory-db' };
const both = { 'baggage.app.user': 'alice', 'baggage.app.tier': 'gold' };
const tierOnly = { 'baggage.app.tier': 'gold' };

export const failingCheckout: Call = {
  service: 'web', name: 'GET /checkout', kind: SpanKind.SERVER, start: 0, end: 120, attributes: both, error: { type: 'HttpError', message: '500 from orders' },
  children: [{
    service: 'web', name: 'POST /orders', kind: SpanKind.CLIENT, start: 5, end: 115, attributes: { ...both, 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:7102/orders' }, error: { type: 'HttpError', message: '500' },
    children: [{
      service: 'orders', name: 'POST /orders', kind: SpanKind.SERVER, start: 8, end: 112, attributes: both, error: { type: 'HttpError', message: '409' },
      children: [{
        service: 'orders', name: 'orders.place', start: 10, end: 110, attributes: both, error: { type: 'HttpError', message: 'x is out of stock' },
        children: [
          {
            service: 'orders', name: 'GET', kind: SpanKind.CLIENT, start: 12, end: 60, attributes: { ...tierOnly, 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1:7103/stock/x' }, error: { type: 'HttpError', message: '404' },
            children: [{
              service: 'inventory', name: 'GET /stock/:sku', kind: SpanKind.SERVER, start: 14, end: 58, attributes: tierOnly, error: { type: 'HttpError', message: '404' },
              children: [{
                service: 'inventory', name: 'inventory.check_stock', start: 15, end: 57, attributes: tierOnly, error: { type: 'ItemNotFoundError', message: 'no item with sku "x"' },
                children: [0, 1, 2, 3, 4, 5].map((k) => ({ service: 'inventory', name: 'SELECT items', kind: SpanKind.CLIENT, start: 16 + 6 * k, end: 21 + 6 * k, attributes: DB })),
              }],
            }],
          },
          { service: 'orders', name: 'POST', kind: SpanKind.CLIENT, start: 62, end: 80, attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:7103/reservations', 'server.port': 7103 } },
        ],
      }],
    }],
  }],
};
/** The reservation the callee served without the caller's context: a trace of its own, inside the call. */
export const lostReservation: Call = { service: 'inventory', name: 'POST /reservations', kind: SpanKind.SERVER, start: 64, end: 78, attributes: { 'url.path': '/reservations', 'server.port': 7103 } };
export const usualCheckout = (ms: number): Call => ({
  service: 'web', name: 'GET /checkout', kind: SpanKind.SERVER, start: 0, end: ms + 10,
  children: [{ service: 'web', name: 'SELECT prices', kind: SpanKind.CLIENT, start: 2, end: 2 + ms, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM prices' } }],
});
export const cohortTrace = (ms: number, region: string): Call => ({ service: 'catalog', name: 'GET /items', kind: SpanKind.SERVER, start: 0, end: ms, attributes: { 'app.region': region } });

export interface AnalysisScenario {
  /** The failing checkout, the reservation that lost its context, and the slow checkout (slow-vs-usual). */
  readonly failing: string;
  readonly lost: string;
  readonly slow: string;
  /** Spans sent in all: wait for the store to hold this many. */
  readonly spans: number;
}

/**
 * Makes the scenario's traces from `t0` (Unix ms; a minute ago suits a 15-minute window): six usual checkouts a second
 * apart, the slow one at +7 s, the failing checkout and its lost reservation at +9 s, and 20 catalog traces from +10 s
 * (six slow ones of about 300 ms in eu-west, the others 20 to 39 ms, one of them in eu-west too). Call shop.flush().
 */
export function makeAnalysisScenario(shop: SdkShop, t0: number): AnalysisScenario {
  for (let i = 0; i < 6; i++) shop.trace(usualCheckout(10 + i), t0 + i * 1000);
  const slow = shop.trace({ ...usualCheckout(10), end: 230, children: [usualCheckout(10).children![0]!, { ...usualCheckout(10).children![0]!, start: 20, end: 220 }] }, t0 + 7000);
  const failing = shop.trace(failingCheckout, t0 + 9000);
  const lost = shop.trace(lostReservation, t0 + 9000);
  for (let i = 0; i < 20; i++) shop.trace(cohortTrace(i < 6 ? 300 + i : 20 + i, i < 6 || i === 10 ? 'eu-west' : 'us-east'), t0 + 10_000 + i * 100);
  return { failing, lost, slow, spans: 6 * 2 + 3 + 14 + 1 + 20 };
}
