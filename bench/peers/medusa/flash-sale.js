"use strict";
// Medusa v2's inventory module under Stockroom's flash sale (bench section `peer`, issue 19 item 5).
//
//   node flash-sale.js --db postgres://user:pass@127.0.0.1:port/db --clients 64 --requests 4000
//                      [--items 10] [--locking postgres|memory] [--pool N] [--seconds 600]
//
// Prints one line `PEER-RESULT {json}` on stdout at the end; everything else Medusa logs is noise
// to the caller. Exits by itself: the run is bounded in requests and in time (--seconds).
//
// How Medusa is brought up, and why this way (all read from node_modules after `npm ci`):
// - Loading follows what `medusa start` and `medusa db:migrate` do in @medusajs/medusa's
//   loaders (docs: "Modules" and "Medusa Container" in docs.medusajs.com/learn/fundamentals):
//   `configManager.loadConfig` with a medusa-config shaped object, `pgConnectionLoader()`
//   (@medusajs/framework/dist/database/pg-connection-loader.js: one shared knex pool, min 2,
//   max knex's default of 10, which every module and the locking provider share), then
//   `new MedusaAppLoader().runModulesMigrations()` and `.load()`
//   (@medusajs/framework/dist/medusa-app-loader.js), which registers each module in the container.
// - Modules: inventory (what is measured), locking with the PostgreSQL advisory-lock provider
//   (@medusajs/locking-postgres, services/advisory-lock.js: `execute` opens a transaction on the
//   shared pool and takes pg_advisory_xact_lock per key), the local event bus (the inventory
//   module depends on an event bus: modules-sdk/dist/definitions.js) and the in-memory cache
//   (a required default module). The PostgreSQL provider is used rather than the in-memory one
//   because it exists at 2.21.2 and is the provider that keeps holds safe across more than one
//   Medusa process on one database, which is what Stockroom's design is measured against;
//   `--locking memory` runs the module's built-in in-memory provider for comparison.
// - A hold runs the real core-flows steps, in a workflow run by the workflows SDK's local
//   orchestrator: `confirmInventoryStep` (core-flows/dist/cart/steps/confirm-inventory.js:
//   `inventoryService.confirmInventory(item, location_ids, quantity)` and an
//   INSUFFICIENT_INVENTORY error when short), then `reserveInventoryStep`
//   (core-flows/dist/cart/steps/reserve-inventory.js: `locking.execute(inventoryItemIds, () =>
//   inventoryService.createReservationItems(items))`). That is the order of Medusa's checkout:
//   confirmVariantInventoryWorkflow (cart/workflows/confirm-variant-inventory.js, run by
//   add-to-cart and by order/workflows/create-order.js) confirms, completeCartWorkflow
//   (cart/workflows/complete-cart.js) reserves. createReservationItems checks availability again
//   inside the lock (inventory/dist/services/inventory-module.js, ensureInventoryLevels with
//   validateQuantityAtLocation), so a hold refused there is a refusal, not an oversell.
// - MedusaApp logs "Error initializing link modules ... @medusajs/medusa/link-modules" on stderr and
//   goes on (modules-sdk/dist/medusa-app.js, initializeLinks): module links live in the
//   @medusajs/medusa package, and neither step uses one.
// - Not included: HTTP, carts, payments, orders and the workflow engine's persisted executions;
//   Stockroom's side of the table is measured over HTTP, so this side is flattered, not handicapped.
// - Workload: as Scenarios.FlashSaleAsync: 10 hot items at one location `dc-1`, one-unit holds
//   round-robin, a warm-up of a tenth of the requests (all held), then `requests` measured holds
//   against stock for half of them; oversell checked from the tables afterwards.

const { performance } = require("node:perf_hooks");

function parseArgs(argv) {
  const out = { items: 10, locking: "postgres", seconds: 600, pool: 0 };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[i + 1];
    if (value === undefined) {
      throw new Error(`--${key} needs a value`);
    }
    out[key] = ["db", "locking"].includes(key) ? value : Number(value);
  }
  if (!out.db || !out.clients || !out.requests) {
    throw new Error("usage: node flash-sale.js --db URL --clients N --requests M [--items 10] [--locking postgres|memory] [--seconds 600]");
  }
  const host = new URL(out.db).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") {
    // The bench only ever talks to the throwaway PostgreSQL it started on this machine.
    throw new Error(`refusing database host ${host}: loopback only`);
  }
  return out;
}

const args = parseArgs(process.argv);
// Medusa's logger reads LOG_LEVEL when first required: keep its start-up chatter off stdout.
process.env.LOG_LEVEL ??= "error";

// A run that has not finished by then is reported as such instead of hanging the bench.
const deadline = setTimeout(() => {
  console.error(`peer: gave up after ${args.seconds} s`);
  process.exit(3);
}, args.seconds * 1000);
deadline.unref();

const {
  configManager,
  container,
  logger,
  pgConnectionLoader,
  MedusaAppLoader,
} = require("@medusajs/framework");
const { asValue } = require("@medusajs/framework/awilix");
const { ContainerRegistrationKeys, Modules } = require("@medusajs/framework/utils");
const { createWorkflow, WorkflowResponse } = require("@medusajs/framework/workflows-sdk");
const { confirmInventoryStep, reserveInventoryStep } = require("@medusajs/core-flows");

const LOCATION = "dc-1";

function medusaConfig() {
  const lockingProviders =
    args.locking === "postgres"
      ? [{ resolve: "@medusajs/locking-postgres", id: "locking-postgres", is_default: true }]
      : [];
  return {
    projectConfig: {
      databaseUrl: args.db,
      databaseLogging: false,
      // projectConfig.databaseDriverOptions.pool.max sizes the one knex pool every module shares
      // (pg-connection-loader.js; knex's default is 10). With the PostgreSQL locking provider a
      // checkout waiting for an item's lock holds a pooled connection in an open transaction
      // (advisory-lock.js), and the checkout holding the lock needs a second one for
      // createReservationItems: with fewer connections than waiting checkouts plus locked items,
      // the waiters take them all and the holder waits for knex's 60 s acquire timeout (seen at
      // 16 clients with the default 10). So the pool is sized clients + items unless --pool says.
      databaseDriverOptions: { pool: { max: args.pool || args.clients + args.items } },
      http: { jwtSecret: "bench", cookieSecret: "bench" },
    },
    modules: {
      [Modules.EVENT_BUS]: { resolve: "@medusajs/event-bus-local" },
      [Modules.CACHE]: { resolve: "@medusajs/cache-inmemory" },
      [Modules.INVENTORY]: { resolve: "@medusajs/inventory" },
      // With no provider configured the locking module registers its in-memory provider.
      [Modules.LOCKING]: { resolve: "@medusajs/locking", options: { providers: lockingProviders } },
    },
  };
}

async function bootstrap() {
  const config = configManager.loadConfig({ projectConfig: medusaConfig(), baseDir: __dirname });
  container.register({
    [ContainerRegistrationKeys.CONFIG_MODULE]: asValue(config),
    [ContainerRegistrationKeys.LOGGER]: asValue(logger),
  });
  await pgConnectionLoader();
  await new MedusaAppLoader().runModulesMigrations({ action: "run" });
  const app = await new MedusaAppLoader().load();
  await app.onApplicationStart?.();
  return app;
}

// The two core-flows steps a checkout runs for one line, composed as Medusa composes them.
const holdWorkflow = createWorkflow("stockroom-bench-flash-hold", (input) => {
  confirmInventoryStep(input);
  const reservations = reserveInventoryStep(input);
  return new WorkflowResponse(reservations);
});

// Both of Medusa's "not enough" answers: confirmInventoryStep's INSUFFICIENT_INVENTORY and
// createReservationItems' check under the lock.
const refusal = /does not have the required inventory|Not enough stock available/;

function percentile(sorted, q) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function closedLoop(clients, count, itemIds, tag) {
  const latencies = new Float64Array(count);
  let next = 0;
  let successes = 0;
  let refusals = 0;
  let errors = 0;
  let firstError = null;
  const started = performance.now();
  async function worker() {
    for (let i = next++; i < count; i = next++) {
      const inventoryItemId = itemIds[i % itemIds.length];
      const item = {
        id: `${tag}-${i}`, // the line item the reservation is for
        inventory_item_id: inventoryItemId,
        required_quantity: 1,
        quantity: 1,
        allow_backorder: false,
        location_ids: [LOCATION],
      };
      const t = performance.now();
      try {
        const { errors: stepErrors } = await holdWorkflow(container).run({
          input: { items: [item] },
          throwOnError: false,
        });
        if (!stepErrors?.length) {
          successes++;
        } else {
          const message = stepErrors.map((e) => e.error?.message ?? String(e.error)).join("; ");
          if (refusal.test(message)) {
            refusals++;
          } else {
            errors++;
            firstError ??= message;
          }
        }
      } catch (e) {
        errors++;
        firstError ??= e?.message ?? String(e);
      }
      latencies[i] = performance.now() - t;
    }
  }
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    seconds,
    successes,
    refusals,
    errors,
    firstError,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
  };
}

async function oversold(inventory, itemIds, held) {
  // Per level: more reserved than stocked is oversell. Overall: reservations rows must match
  // the holds that were answered as taken, and the levels' reserved_quantity must match both.
  const levels = await inventory.listInventoryLevels({ inventory_item_id: itemIds, location_id: LOCATION });
  let over = 0;
  let reservedOnLevels = 0;
  for (const level of levels) {
    const reserved = Number(level.reserved_quantity);
    reservedOnLevels += reserved;
    over += Math.max(0, reserved - Number(level.stocked_quantity));
  }
  const reservations = await inventory.listReservationItems({ inventory_item_id: itemIds }, { take: null, select: ["quantity"] });
  const reservedUnits = reservations.reduce((sum, r) => sum + Number(r.quantity), 0);
  // Counted as Scenarios.OversoldAsync counts Stockroom's: units reserved past stock, plus any
  // difference between what the levels say is reserved and the holds answered as taken.
  return {
    oversold: over + Math.abs(reservedOnLevels - held) + Math.abs(reservedUnits - held),
    reservedOnLevels,
    reservedUnits,
    consistent: reservedUnits === held && reservedOnLevels === held,
  };
}

async function main() {
  const bootStarted = performance.now();
  const app = await bootstrap();
  const inventory = container.resolve(Modules.INVENTORY);
  const bootSeconds = (performance.now() - bootStarted) / 1000;

  const warmUp = Math.floor(args.requests / 10);
  const perItem = Math.floor((warmUp + Math.floor(args.requests / 2)) / args.items);
  const items = await inventory.createInventoryItems(
    Array.from({ length: args.items }, (_, i) => ({ sku: `HOT-${i}`, title: `Hot ${i}` })),
  );
  const itemIds = items.map((item) => item.id);
  await inventory.createInventoryLevels(
    itemIds.map((id) => ({ inventory_item_id: id, location_id: LOCATION, stocked_quantity: perItem })),
  );

  const warm = await closedLoop(args.clients, warmUp, itemIds, "warm");
  const load = await closedLoop(args.clients, args.requests, itemIds, "flash");
  const check = await oversold(inventory, itemIds, warm.successes + load.successes);

  const result = {
    system: "Medusa v2 inventory 2.21.2",
    locking: args.locking,
    pool: args.pool || args.clients + args.items,
    clients: args.clients,
    requests: args.requests,
    stockPerItem: perItem,
    bootSeconds: round(bootSeconds),
    seconds: round(load.seconds),
    successes: load.successes,
    refusals: load.refusals,
    errors: load.errors + warm.errors,
    holdsPerSecond: round(load.successes / load.seconds),
    refusalsPerSecond: round(load.refusals / load.seconds),
    p50: round(load.p50),
    p99: round(load.p99),
    p999: round(load.p999),
    oversold: check.oversold,
    warmUpSuccesses: warm.successes,
    reservedUnits: check.reservedUnits,
    reservedOnLevels: check.reservedOnLevels,
    consistent: check.consistent,
    firstError: load.firstError ?? warm.firstError,
  };
  process.stdout.write(`PEER-RESULT ${JSON.stringify(result)}\n`);
  await app.onApplicationPrepareShutdown?.();
  await app.onApplicationShutdown?.();
  const pg = container.resolve(ContainerRegistrationKeys.PG_CONNECTION);
  await pg.destroy();
}

function round(x) {
  return Math.round(x * 100) / 100;
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`peer: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
