// A small integrator's program over the generated client: it holds a unit, is refused a hold
// for more than can be promised and reads the shortage from the typed 409, then releases the hold.
// Run against a server whose channel sells the SKU from stock:
//   STOCKROOM_URL=http://localhost:5000 STOCKROOM_CHANNEL=web STOCKROOM_SKU=LAMP-1 node dist/example.js
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Shortage = components["schemas"]["Shortage"];

const baseUrl = process.env.STOCKROOM_URL ?? "http://localhost:5000";
const channel = process.env.STOCKROOM_CHANNEL ?? "web";
const sku = process.env.STOCKROOM_SKU ?? "LAMP-1";
const apiKey = process.env.STOCKROOM_API_KEY;

const client = createClient<paths>({
  baseUrl,
  headers: apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` },
});

function fail(message: string): never {
  throw new Error(message);
}

const run = Date.now().toString(36);

// A hold of one unit: only the fields the server requires, and one optional one.
const held = await client.POST("/v1/reservations", {
  body: { id: `ts-hold-${run}`, channel, expiresInSeconds: 900, lines: [{ sku, quantity: 1 }] },
});
if (held.data === undefined) {
  fail(`the hold was refused: ${held.response.status} ${JSON.stringify(held.error)}`);
}
const hold = held.data;

// More than any channel can promise: a 409 whose body says, per line, what could be.
const refused = await client.POST("/v1/reservations", {
  body: { id: `ts-too-many-${run}`, channel, lines: [{ sku, quantity: 1_000_000_000 }] },
});
if (refused.error === undefined || refused.response.status !== 409 || !("shortages" in refused.error)) {
  fail(`expected a 409 with shortages, got ${refused.response.status}`);
}
const shortage: Shortage = refused.error.shortages?.[0] ?? fail("the 409 listed no shortage");

// The first hold is given back.
const released = await client.DELETE("/v1/reservations/{id}", { params: { path: { id: hold.id } } });
if (released.data === undefined) {
  fail(`the release was refused: ${released.response.status} ${JSON.stringify(released.error)}`);
}

console.log(JSON.stringify({
  held: { id: hold.id, status: hold.status, expiresAt: hold.expiresAt },
  refused: { type: refused.error.type, sku: shortage.sku, requested: shortage.requested, available: shortage.available },
  released: { id: released.data.id, status: released.data.status },
}));
