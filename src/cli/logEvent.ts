import type { KeeperEvent } from "../keeper/keeper.js";
import type { createLogger } from "../ops/logger.js";

/** One log line per keeper event, amounts as decimal strings (pino cannot print bigints). */
export function logEvent(log: ReturnType<typeof createLogger>, e: KeeperEvent): void {
  switch (e.type) {
    case "block":
      log.info(
        {
          block: e.snapshot.blockNumber.toString(),
          borrowers: e.snapshot.stats.borrowersWatched,
          morphoBorrowers: e.snapshot.stats.morphoBorrowersWatched,
          underwater: e.underwater,
          candidates: e.candidates,
          readMs: Math.round(e.snapshot.stats.readMs),
        },
        "block",
      );
      break;
    case "skip":
      log.info(
        { block: e.block.toString(), id: e.id, code: e.skip.code, reason: e.skip.message, ...e.context },
        "skip",
      );
      break;
    case "send":
      log.info(
        {
          block: e.block.toString(),
          id: e.candidate.opportunity.id,
          action: e.candidate.action.kind,
          ...e.candidate.context,
        },
        "act",
      );
      break;
    case "outcome": {
      const o = e.outcome;
      const base = { block: e.block.toString(), id: e.candidate.opportunity.id, status: o.status };
      if (o.status === "mined")
        log.info(
          {
            ...base,
            tx: o.hash,
            minedIn: o.blockNumber.toString(),
            profit: o.profit.toString(),
            gasUsed: o.gasUsed.toString(),
          },
          "done",
        );
      else if (o.status === "reverted" || o.status === "failed")
        log.error({ ...base, error: o.error.shortMessage, errorName: o.error.name, tx: o.hash }, "failed");
      else if (o.status === "skipped") log.info({ ...base, code: o.skip.code, reason: o.skip.message }, "held");
      else log.info({ ...base, profit: o.profit.toString(), gas: o.gas.toString() }, "dry-run");
      break;
    }
  }
}
