import { seededRandom } from '../seeded-random.js';
import { worstOf, type Verdict } from './questions.js';

/** One decided request: its group, whether the decision was the favourable one, and, if known, whether it should be. */
export interface Outcome {
  group: string;
  favourable: boolean;
  /** Ground truth: the request deserved the favourable decision (needed for equal opportunity). */
  label?: boolean;
}

export interface FairnessOptions {
  /** Groups with fewer outcomes say nothing; they are refused rather than reported. */
  minGroupSize: number;
  /** Of each bootstrap interval, e.g. 0.95. */
  confidence: number;
  resamples: number;
  /** The bootstrap's random seed: the same outcomes and seed give the same intervals. */
  seed: number;
  /** Equal opportunity holds when the difference in true-positive rates stays under this (e.g. 0.1). */
  maxOpportunityDifference: number;
}

/** What a fairness question uses unless it says otherwise. */
export const FAIRNESS_DEFAULTS: FairnessOptions = {
  minGroupSize: 30,
  confidence: 0.95,
  resamples: 1000,
  seed: 1,
  maxOpportunityDifference: 0.1,
};

export interface GroupStats {
  group: string;
  n: number;
  favourable: number;
  selection_rate: number;
  /** Outcomes labelled deserving, and the share of them decided favourably; null without labels. */
  positives: number | null;
  true_positive_rate: number | null;
}

export interface Estimate {
  value: number;
  /** The percentile bootstrap interval at the report's confidence, resampling within each group. */
  ci: [number, number];
}

export interface FairnessReport {
  verdict: Verdict;
  groups: GroupStats[];
  /** Highest minus lowest selection rate. */
  demographic_parity_difference: Estimate;
  /** Lowest over highest selection rate; the four-fifths rule asks for ≥ 0.8. */
  disparate_impact_ratio: Estimate & { four_fifths_rule: 'passes' | 'fails' | 'undecided' };
  /** Highest minus lowest true-positive rate; null without labels. */
  equal_opportunity_difference: (Estimate & { within_limit: 'yes' | 'no' | 'undecided'; limit: number }) | null;
  confidence: number;
  resamples: number;
  seed: number;
}

/** The outcomes cannot support a report: groups too small, one group only, or labels on some outcomes only. */
export class FairnessInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FairnessInputError';
  }
}

const FOUR_FIFTHS = 0.8;

interface Counts {
  n: number;
  favourable: number;
  positives: number;
  truePositives: number;
}

function statistics(groups: readonly Counts[], labelled: boolean) {
  const rates = groups.map((g) => g.favourable / g.n);
  const [low, high] = [Math.min(...rates), Math.max(...rates)];
  const tprs = labelled ? groups.map((g) => g.truePositives / g.positives) : [];
  return {
    parity: high - low,
    // Nobody favoured anywhere treats every group alike.
    impact: high === 0 ? 1 : low / high,
    opportunity: labelled ? Math.max(...tprs) - Math.min(...tprs) : 0,
  };
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]!;

/**
 * Group fairness of a set of decisions: demographic parity difference, disparate impact ratio with the four-fifths
 * rule and, when outcomes are labelled, equal opportunity difference, each with a stratified percentile bootstrap
 * interval. A criterion holds only when its whole interval is on the right side, fails only when its whole
 * interval is on the wrong side, and is undecided otherwise — the verdict never rests on a point estimate alone.
 */
export function fairnessReport(outcomes: readonly Outcome[], options: FairnessOptions): FairnessReport {
  const labelled = outcomes.some((outcome) => outcome.label !== undefined);
  if (labelled && outcomes.some((outcome) => outcome.label === undefined))
    throw new FairnessInputError('label every outcome or none');
  const byGroup = new Map<string, Outcome[]>();
  for (const outcome of outcomes) byGroup.set(outcome.group, [...(byGroup.get(outcome.group) ?? []), outcome]);
  if (byGroup.size < 2) throw new FairnessInputError(`fairness compares groups: found ${byGroup.size}`);
  const small = [...byGroup].filter(([, members]) => members.length < options.minGroupSize);
  if (small.length > 0)
    throw new FairnessInputError(
      `groups smaller than ${options.minGroupSize} say nothing: ${small.map(([group, members]) => `${group} (${members.length})`).join(', ')}`,
    );
  const groups = [...byGroup.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (labelled) {
    const unlabelled = groups.filter(([, members]) => !members.some((member) => member.label === true));
    if (unlabelled.length > 0)
      throw new FairnessInputError(
        `equal opportunity needs deserving outcomes in every group; none in ${unlabelled.map(([group]) => group).join(', ')}`,
      );
  }
  const count = (members: readonly Outcome[]): Counts => {
    const counts: Counts = { n: members.length, favourable: 0, positives: 0, truePositives: 0 };
    for (const member of members) {
      if (member.favourable) counts.favourable += 1;
      if (member.label === true) {
        counts.positives += 1;
        if (member.favourable) counts.truePositives += 1;
      }
    }
    return counts;
  };
  const observed = groups.map(([, members]) => count(members));
  const point = statistics(observed, labelled);

  const random = seededRandom(options.seed);
  const samples = { parity: [] as number[], impact: [] as number[], opportunity: [] as number[] };
  for (let round = 0; round < options.resamples; round += 1) {
    const resampled = groups.map(([, members]) => {
      const drawn: Outcome[] = [];
      for (let i = 0; i < members.length; i += 1) drawn.push(members[Math.floor(random() * members.length)]!);
      return count(drawn);
    });
    // A resample may draw no deserving outcome in a group: equal opportunity is then unmeasured in that round.
    const usable = !labelled || resampled.every((counts) => counts.positives > 0);
    const stats = statistics(resampled, labelled && usable);
    samples.parity.push(stats.parity);
    samples.impact.push(stats.impact);
    if (labelled && usable) samples.opportunity.push(stats.opportunity);
  }
  const alpha = (1 - options.confidence) / 2;
  const interval = (values: number[], value: number): Estimate => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0
      ? { value, ci: [value, value] }
      : { value, ci: [quantile(sorted, alpha), quantile(sorted, 1 - alpha)] };
  };

  const impact = interval(samples.impact, point.impact);
  const fourFifths = impact.ci[0] >= FOUR_FIFTHS ? 'passes' : impact.ci[1] < FOUR_FIFTHS ? 'fails' : 'undecided';
  let opportunity: FairnessReport['equal_opportunity_difference'] = null;
  if (labelled) {
    const estimate = interval(samples.opportunity, point.opportunity);
    const limit = options.maxOpportunityDifference;
    opportunity = {
      ...estimate,
      limit,
      within_limit: estimate.ci[1] <= limit ? 'yes' : estimate.ci[0] > limit ? 'no' : 'undecided',
    };
  }
  const verdicts: Verdict[] = [fourFifths, opportunity?.within_limit ?? 'yes'].map((answer) =>
    answer === 'passes' || answer === 'yes'
      ? 'holds'
      : answer === 'fails' || answer === 'no'
        ? 'violated'
        : 'inconclusive',
  );
  return {
    verdict: worstOf(verdicts),
    groups: groups.map(([group], index) => {
      const counts = observed[index]!;
      return {
        group,
        n: counts.n,
        favourable: counts.favourable,
        selection_rate: counts.favourable / counts.n,
        positives: labelled ? counts.positives : null,
        true_positive_rate: labelled ? counts.truePositives / counts.positives : null,
      };
    }),
    demographic_parity_difference: interval(samples.parity, point.parity),
    disparate_impact_ratio: { ...impact, four_fifths_rule: fourFifths },
    equal_opportunity_difference: opportunity,
    confidence: options.confidence,
    resamples: options.resamples,
    seed: options.seed,
  };
}
