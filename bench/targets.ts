/**
 * The targets of issues 7 and 16 and how close a run came to each: the ratio or value measured, the
 * bound, and whether it was met. Computed from the figures, never hard-coded.
 */
import type { AgentResults } from './agent-memory.ts';
import type { InitResults } from './injector-init.ts';
import type { WebhookResults } from './webhook-load.ts';
import { LARGEST_POD_TARGET_MS, LINEAR_STEP_BOUND, type ScalingResults } from './admission-scaling.ts';

/** One target's verdict. */
export interface TargetVerdict {
  target: string;
  measured: number;
  bound: number;
  met: boolean;
}

/** Verdicts for whichever benchmarks ran. */
export function judgeTargets(r: { webhook?: WebhookResults; init?: InitResults; agent?: AgentResults; scaling?: ScalingResults }): Record<string, TargetVerdict> {
  const out: Record<string, TargetVerdict> = {};
  if (r.scaling !== undefined) {
    // Issue 13: each dimension linear (the 10× → 100× step near 10, not 100), the largest pod under 100 ms.
    const worstStep = Math.max(...r.scaling.dimensions.map((d) => Math.max(d.timeStep, d.bytesStep)));
    out.admissionLinear = { target: `every dimension's 10× → 100× step ≤ ${LINEAR_STEP_BOUND} in time and response size`, measured: worstStep, bound: LINEAR_STEP_BOUND, met: worstStep <= LINEAR_STEP_BOUND };
    const slowest = Math.max(...r.scaling.largestPods.map((p) => p.medianMs));
    out.largestPod = { target: `largest pod the API server accepts admitted in < ${LARGEST_POD_TARGET_MS} ms`, measured: slowest, bound: LARGEST_POD_TARGET_MS, met: slowest < LARGEST_POD_TARGET_MS };
  }
  if (r.webhook !== undefined) {
    out.webhookThroughput = { target: 'admissionsPerSec ≥ 0.8 × bareAdmissionsPerSec', measured: r.webhook.ratioToBare, bound: 0.8, met: r.webhook.ratioToBare >= 0.8 };
    out.webhookP99 = { target: 'p99Ms ≤ 10', measured: r.webhook.p99Ms, bound: 10, met: r.webhook.p99Ms <= 10 };
  }
  if (r.init !== undefined) {
    out.initTime = { target: 'injector.initMs ≤ 3 × baseline.nodeStartMs', measured: r.init.initToNodeStartRatio, bound: 3, met: r.init.initToNodeStartRatio <= 3 };
  }
  if (r.agent !== undefined) {
    const a = r.agent;
    out.agentRss = { target: 'agent.rssMb ≤ 60', measured: a.rssMb, bound: 60, met: a.rssMb <= 60 };
    out.agentPrivate = { target: 'agent.rssAnonMb ≤ 16', measured: a.rssAnonMb, bound: 16, met: a.rssAnonMb <= 16 };
    out.agentRssGrowth = { target: 'agent.rssGrowthMb < 2', measured: a.rssGrowthMb, bound: 2, met: a.rssGrowthMb < 2 };
    out.backendCalls = { target: 'agent.backendCalls = secrets × refreshes', measured: a.backendCalls, bound: a.expectedBackendCalls, met: a.backendCalls === a.expectedBackendCalls };
    // The renewal instant depends on STS's whole-second Expiration, so one call either way of
    // the computed expectation is still "only near expiry"; a call per cycle would be hundreds.
    out.stsCalls = { target: 'agent.stsCalls = 1 + floor(run / (0.8 × credential lifetime)) (renew only near expiry)', measured: a.stsCalls, bound: a.expectedStsCalls, met: Math.abs(a.stsCalls - a.expectedStsCalls) <= 1 };
  }
  return out;
}
