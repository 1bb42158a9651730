/** The keeper's SQLite journal of intents and transactions (see Journal). */
export { Journal, JournalConflictError, type JournalOptions, type ReceiptInput } from "./journal.js";
export { JournalSchemaError, JOURNAL_SCHEMA_VERSION } from "./schema.js";
export * from "./types.js";
export * from "./discoveryStore.js";
export {
  DECISION_KINDS,
  type DecisionKind,
  type DecisionQuery,
  type DecisionRecord,
  type NewDecision,
} from "./decisions.js";
export { MISS_CAUSES, type MissCause, type MissedLiquidationRecord, type NewMissedLiquidation } from "./missed.js";
