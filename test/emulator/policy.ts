/**
 * RAM policy documents and their evaluation: trust policies (who may assume a role) and
 * permission policies (what a session may do). Pure functions; the emulator's STS, KMS and OOS
 * handlers call them. The grammar is the subset of RAM policy language v1 that RRSA and
 * cross-account set-ups use (reference §1.5, §2.3); anything else is rejected when the policy is
 * defined, with every problem listed, rather than silently ignored.
 */

/** A condition block: operator → key → one value or a list (any value may match). */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/** One statement. `Principal` only appears in trust policies; `Resource` only in permission policies. */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: { Federated?: string | string[]; RAM?: string | string[]; Service?: string | string[] };
  Condition?: PolicyCondition;
}

/** A RAM policy document (`Version` "1"). */
export interface PolicyDocument {
  Version: '1';
  Statement: PolicyStatement[];
}

/** The condition operators the emulator implements; RAM's others are refused at definition. */
export const CONDITION_OPERATORS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike'] as const;

/** The condition keys each kind of principal can supply (reference §1.5, §2.3). */
export const TRUST_CONDITION_KEYS = ['oidc:iss', 'oidc:aud', 'oidc:sub', 'sts:ExternalId'] as const;

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** RAM wildcard match: `*` is any run of characters, `?` one character (RAM policy grammar). */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(value);
}

/**
 * Validates a policy document and returns every problem found (empty when valid). `kind` says
 * which fields a statement must and must not have.
 */
export function policyProblems(doc: unknown, kind: 'trust' | 'permission', field: string): string[] {
  const problems: string[] = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [`${field}: must be a policy object {"Version":"1","Statement":[...]}, got ${JSON.stringify(doc)}`];
  const d = doc as Record<string, unknown>;
  if (d['Version'] !== '1') problems.push(`${field}.Version: must be "1", got ${JSON.stringify(d['Version'])}`);
  const statements = d['Statement'];
  if (!Array.isArray(statements) || statements.length === 0) {
    problems.push(`${field}.Statement: must be a non-empty array, got ${JSON.stringify(statements)}`);
    return problems;
  }
  const isStringOrList = (v: unknown): boolean => typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
  statements.forEach((s: unknown, i) => {
    const at = `${field}.Statement[${i}]`;
    if (typeof s !== 'object' || s === null) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') problems.push(`${at}.Effect: must be "Allow" or "Deny", got ${JSON.stringify(st['Effect'])}`);
    if (!isStringOrList(st['Action'])) problems.push(`${at}.Action: must be a string or a non-empty list of strings, got ${JSON.stringify(st['Action'])}`);
    if (kind === 'permission') {
      if (!isStringOrList(st['Resource'])) problems.push(`${at}.Resource: must be a string or a non-empty list of strings, got ${JSON.stringify(st['Resource'])}`);
      if (st['Principal'] !== undefined) problems.push(`${at}.Principal: not allowed in a permission policy`);
      if (st['Condition'] !== undefined) problems.push(`${at}.Condition: conditions in permission policies are not emulated; remove it`);
    } else {
      const p = st['Principal'];
      if (typeof p !== 'object' || p === null) {
        problems.push(`${at}.Principal: must be an object with Federated and/or RAM, got ${JSON.stringify(p)}`);
      } else {
        const pr = p as Record<string, unknown>;
        for (const k of Object.keys(pr)) {
          if (!['Federated', 'RAM', 'Service'].includes(k)) problems.push(`${at}.Principal.${k}: unknown principal type (accepted: Federated, RAM, Service)`);
          else if (!isStringOrList(pr[k])) problems.push(`${at}.Principal.${k}: must be a string or a non-empty list of strings`);
        }
      }
      const cond = st['Condition'];
      if (cond !== undefined) {
        if (typeof cond !== 'object' || cond === null) problems.push(`${at}.Condition: must be an object`);
        else {
          for (const [op, block] of Object.entries(cond as Record<string, unknown>)) {
            if (!(CONDITION_OPERATORS as readonly string[]).includes(op)) {
              problems.push(`${at}.Condition.${op}: unsupported operator (accepted: ${CONDITION_OPERATORS.join(', ')})`);
              continue;
            }
            if (typeof block !== 'object' || block === null) {
              problems.push(`${at}.Condition.${op}: must be an object of key → value(s)`);
              continue;
            }
            for (const [key, val] of Object.entries(block as Record<string, unknown>)) {
              if (!(TRUST_CONDITION_KEYS as readonly string[]).includes(key)) problems.push(`${at}.Condition.${op}.${key}: unknown condition key (accepted: ${TRUST_CONDITION_KEYS.join(', ')})`);
              if (!isStringOrList(val)) problems.push(`${at}.Condition.${op}.${key}: must be a string or a non-empty list of strings`);
            }
          }
        }
      }
    }
  });
  return problems;
}

/** Condition values the request supplies; a key may have several values (e.g. `oidc:aud`). */
export type ConditionContext = Readonly<Partial<Record<(typeof TRUST_CONDITION_KEYS)[number], readonly string[]>>>;

function conditionHolds(cond: PolicyCondition | undefined, ctx: ConditionContext): boolean {
  if (cond === undefined) return true;
  for (const [op, block] of Object.entries(cond)) {
    for (const [key, expected] of Object.entries(block)) {
      const actual = ctx[key as keyof ConditionContext] ?? [];
      const patterns = asList(expected);
      const any = (match: (p: string, a: string) => boolean): boolean => actual.some((a) => patterns.some((p) => match(p, a)));
      const eq = (p: string, a: string): boolean => p === a;
      const like = (p: string, a: string): boolean => wildcardMatch(p, a);
      const ok =
        op === 'StringEquals' ? any(eq)
        : op === 'StringLike' ? any(like)
        : op === 'StringNotEquals' ? actual.length > 0 && !any(eq)
        : op === 'StringNotLike' ? actual.length > 0 && !any(like)
        : false;
      if (!ok) return false;
    }
  }
  return true;
}

/** Who asks to assume a role: an OIDC identity through a provider, or a RAM identity (AssumeRole). */
export type TrustPrincipal =
  | { kind: 'federated'; providerArn: string }
  | { kind: 'ram'; accountId: string; callerArn: string };

function actionMatches(patterns: string | string[], action: string): boolean {
  // RAM action names are case-insensitive (RAM policy grammar).
  return asList(patterns).some((p) => wildcardMatch(p, action, true));
}

function ramPrincipalMatches(entry: string, p: { accountId: string; callerArn: string }): boolean {
  if (entry === '*' || entry === p.accountId || entry === `acs:ram::${p.accountId}:root`) return true;
  return wildcardMatch(entry, p.callerArn);
}

/**
 * Decides whether a trust policy lets `principal` perform `sts:AssumeRole` with the condition
 * context `ctx`. An explicit Deny wins; otherwise one matching Allow is needed.
 */
export function trustAllows(policy: PolicyDocument, principal: TrustPrincipal, ctx: ConditionContext): boolean {
  let allowed = false;
  for (const st of policy.Statement) {
    if (!actionMatches(st.Action, 'sts:AssumeRole')) continue;
    const pr = st.Principal ?? {};
    const principalOk =
      principal.kind === 'federated'
        ? asList(pr.Federated).includes(principal.providerArn)
        : asList(pr.RAM).some((e) => ramPrincipalMatches(e, principal));
    if (!principalOk || !conditionHolds(st.Condition, ctx)) continue;
    if (st.Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}

/** The outcome of a permission check; `implicit-deny` means no statement matched. */
export type PermissionDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

/**
 * Evaluates permission policies for `action` on `resource`: any matching Deny wins, else any
 * matching Allow, else implicit deny (RAM evaluation order).
 */
export function evaluatePermission(policies: readonly PolicyDocument[], action: string, resource: string): PermissionDecision {
  let decision: PermissionDecision = 'implicit-deny';
  for (const doc of policies) {
    for (const st of doc.Statement) {
      if (!actionMatches(st.Action, action)) continue;
      if (!asList(st.Resource).some((r) => wildcardMatch(r, resource))) continue;
      if (st.Effect === 'Deny') return 'explicit-deny';
      decision = 'allow';
    }
  }
  return decision;
}

/**
 * The RRSA trust policy the ACK console and `ack-ram-tool rrsa associate-role` write (reference
 * §1.5): the provider as `Principal.Federated`, conditions on `oidc:aud`, `oidc:sub` and optionally
 * `oidc:iss`. Lets tests and the demo build roles without hand-written JSON.
 */
export function rrsaTrustPolicy(o: { providerArn: string; issuer?: string; audience?: string | string[]; subject: string | string[]; operator?: 'StringEquals' | 'StringLike' }): PolicyDocument {
  const cond: Record<string, string | string[]> = { 'oidc:aud': o.audience ?? 'sts.aliyuncs.com', 'oidc:sub': o.subject };
  if (o.issuer !== undefined) cond['oidc:iss'] = o.issuer;
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [o.providerArn] }, Condition: { [o.operator ?? 'StringEquals']: cond } }],
  };
}

/** A trust policy naming RAM principals (`acs:ram::<uid>:root`, a role ARN), optionally an ExternalId. */
export function accountTrustPolicy(o: { principals: string[]; externalId?: string }): PolicyDocument {
  const st: PolicyStatement = { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: o.principals } };
  if (o.externalId !== undefined) st.Condition = { StringEquals: { 'sts:ExternalId': o.externalId } };
  return { Version: '1', Statement: [st] };
}

/** A permission policy with one Allow statement. */
export function allowPolicy(actions: string | string[], resources: string | string[]): PolicyDocument {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: actions, Resource: resources }] };
}
