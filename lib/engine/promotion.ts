import type { RungLadder } from "./ladder";
import type { SearchStore } from "./store";
import type { TrialRecord } from "./trial";

/**
 * Promotion in ASHA (Li et al. 2020, Algorithm 2, get_job): scan the rungs
 * from the top down and promote a configuration that is in the top 1/eta of
 * its rung and was not promoted from it before.
 *
 * Two rules are offered, chosen in the settings:
 * - "exact" is the paper's: the best unpromoted member is promotable when
 *   its rank among the n_k finished members is at most floor(n_k / eta).
 *   Finding its rank counts the promoted members above it, a read that grows
 *   with the rung.
 * - "bounded" (the default) also caps the promotions from rung k at
 *   floor(n_k / eta). Every promotion it makes the exact rule would make too
 *   (rank <= promoted + 1 <= floor(n_k / eta)), but it declines some that
 *   the paper makes after earlier promotees fell out of the top. In exchange
 *   a proposal reads one counter record and one index entry per rung,
 *   however many trials the run holds.
 */

/** How many members of a rung with `finished` members the top 1/eta holds. */
export function promotionQuota(finished: number, eta: number): number {
  return Math.floor(finished / eta);
}

/** Whether the member at 1-based `rank` is in the top 1/eta of its rung. */
export function isInTopFraction(rank: number, finished: number, eta: number): boolean {
  return rank <= promotionQuota(finished, eta);
}

/**
 * Whether the counters alone allow a promotion out of a rung: a cheap check
 * made before reserving any epochs for it.
 */
export function mayPromote(
  rule: "bounded" | "exact",
  finished: number,
  promoted: number,
  eta: number,
): boolean {
  const quota = promotionQuota(finished, eta);
  return rule === "bounded" ? promoted < quota : quota > 0;
}

/**
 * Claims one promotion out of `rung`, or returns undefined when it has none
 * to give. Safe with concurrent callers: the slot and the record are each
 * claimed by a conditional write, and a lost race tries the next candidate.
 */
export async function claimPromotion(
  store: SearchStore,
  ladder: RungLadder,
  rule: "bounded" | "exact",
  rung: number,
  finished: number,
  promoted: number,
): Promise<TrialRecord | undefined> {
  const quota = promotionQuota(finished, ladder.eta);
  if (!mayPromote(rule, finished, promoted, ladder.eta)) return undefined;

  if (rule === "bounded" && !(await store.claimPromotionSlot(rung, quota)))
    return undefined;

  const winner = await claimBestCandidate(store, ladder, rule, rung, finished);
  if (rule === "bounded" && winner === undefined) await store.releasePromotionSlot(rung);
  // The exact rule has no cap; the slot only keeps the promoted count honest.
  if (rule === "exact" && winner !== undefined) {
    await store.claimPromotionSlot(rung, Number.MAX_SAFE_INTEGER);
  }
  return winner;
}

/**
 * Claims the best unpromoted member of `rung`, in or out of the top 1/eta:
 * the endgame's promotion, made only when the budget has nothing better to
 * pay for (see Proposer). The promoted count still grows, so that the
 * bounded rule gives no second promotion for the same slot.
 */
export async function claimEndgamePromotion(
  store: SearchStore,
  ladder: RungLadder,
  rung: number,
): Promise<TrialRecord | undefined> {
  await store.claimPromotionSlot(rung, Number.MAX_SAFE_INTEGER);
  const winner = await claimBestCandidate(store, ladder, "bounded", rung, 0);
  if (winner === undefined) await store.releasePromotionSlot(rung);
  return winner;
}

/** Races are rare and each loss means another proposer took a candidate; a few tries suffice. */
const MAX_CLAIM_ATTEMPTS = 8;

async function claimBestCandidate(
  store: SearchStore,
  ladder: RungLadder,
  rule: "bounded" | "exact",
  rung: number,
  finished: number,
): Promise<TrialRecord | undefined> {
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
    const candidate = await store.bestUnpromoted(rung);
    if (candidate === undefined) return undefined;

    if (rule === "exact") {
      const rank = 1 + (await store.countPromotedAbove(rung, candidate.score!));
      if (!isInTopFraction(rank, finished, ladder.eta)) return undefined;
    }

    if (await store.markPromoted(candidate.trialId, rung)) return candidate;
  }
  return undefined;
}
