/**
 * The emulator's RAM policy language: definition-time validation and the evaluation of trust and
 * permission policies (pure functions, table-driven).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluatePermission, policyProblems, trustAllows, wildcardMatch, type ConditionContext, type PolicyDocument, type TrustPrincipal } from '../emulator/policy.ts';

const PROVIDER = 'acs:ram::100:oidc-provider/ack-rrsa-c1';
const oidc = (sub: string, aud: string[] = ['sts.aliyuncs.com'], iss = 'https://issuer'): ConditionContext => ({ 'oidc:sub': [sub], 'oidc:aud': aud, 'oidc:iss': [iss] });
const federated: TrustPrincipal = { kind: 'federated', providerArn: PROVIDER };
const trust = (condition: PolicyDocument['Statement'][number]['Condition'], principal: PolicyDocument['Statement'][number]['Principal'] = { Federated: PROVIDER }): PolicyDocument => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: principal, ...(condition === undefined ? {} : { Condition: condition }) }],
});

describe('trust policy evaluation', () => {
  const cases: { name: string; policy: PolicyDocument; principal: TrustPrincipal; ctx: ConditionContext; allowed: boolean }[] = [
    { name: 'StringEquals on sub, aud and iss all matching allows', policy: trust({ StringEquals: { 'oidc:sub': 'system:serviceaccount:a:app', 'oidc:aud': 'sts.aliyuncs.com', 'oidc:iss': 'https://issuer' } }), principal: federated, ctx: oidc('system:serviceaccount:a:app'), allowed: true },
    { name: 'StringEquals on sub with another ServiceAccount denies', policy: trust({ StringEquals: { 'oidc:sub': 'system:serviceaccount:a:app' } }), principal: federated, ctx: oidc('system:serviceaccount:b:app'), allowed: false },
    { name: 'array condition value matches any listed subject', policy: trust({ StringEquals: { 'oidc:sub': ['system:serviceaccount:a:x', 'system:serviceaccount:a:app'] } }), principal: federated, ctx: oidc('system:serviceaccount:a:app'), allowed: true },
    { name: 'oidc:aud matches any of several token audiences', policy: trust({ StringEquals: { 'oidc:aud': 'sts.aliyuncs.com' } }), principal: federated, ctx: oidc('s', ['other', 'sts.aliyuncs.com']), allowed: true },
    { name: 'StringLike wildcard on the namespace allows', policy: trust({ StringLike: { 'oidc:sub': 'system:serviceaccount:a:*' } }), principal: federated, ctx: oidc('system:serviceaccount:a:worker'), allowed: true },
    { name: 'StringLike wildcard does not cross into another namespace', policy: trust({ StringLike: { 'oidc:sub': 'system:serviceaccount:a:*' } }), principal: federated, ctx: oidc('system:serviceaccount:ab:worker'), allowed: false },
    { name: 'StringNotEquals excludes one subject', policy: trust({ StringNotEquals: { 'oidc:sub': 'system:serviceaccount:a:admin' } }), principal: federated, ctx: oidc('system:serviceaccount:a:admin'), allowed: false },
    { name: 'another provider ARN is not the federated principal', policy: trust(undefined), principal: { kind: 'federated', providerArn: 'acs:ram::100:oidc-provider/other' }, ctx: oidc('s'), allowed: false },
    { name: 'RAM root principal admits a role session of that account', policy: trust(undefined, { RAM: 'acs:ram::100:root' }), principal: { kind: 'ram', accountId: '100', callerArn: 'acs:ram::100:role/x' }, ctx: {}, allowed: true },
    { name: 'bare account id as RAM principal admits that account', policy: trust(undefined, { RAM: ['100'] }), principal: { kind: 'ram', accountId: '100', callerArn: 'acs:ram::100:user/u' }, ctx: {}, allowed: true },
    { name: 'RAM role principal admits only that role', policy: trust(undefined, { RAM: 'acs:ram::100:role/x' }), principal: { kind: 'ram', accountId: '100', callerArn: 'acs:ram::100:role/y' }, ctx: {}, allowed: false },
    { name: 'RAM principal of another account denies', policy: trust(undefined, { RAM: 'acs:ram::200:root' }), principal: { kind: 'ram', accountId: '100', callerArn: 'acs:ram::100:role/x' }, ctx: {}, allowed: false },
    { name: 'ExternalId condition without an ExternalId denies', policy: trust({ StringEquals: { 'sts:ExternalId': 'abc' } }, { RAM: 'acs:ram::100:root' }), principal: { kind: 'ram', accountId: '100', callerArn: 'acs:ram::100:role/x' }, ctx: {}, allowed: false },
    {
      name: 'an explicit Deny statement wins over an Allow',
      policy: { Version: '1', Statement: [...trust(undefined).Statement, { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Federated: PROVIDER }, Condition: { StringEquals: { 'oidc:sub': 's' } } }] },
      principal: federated, ctx: oidc('s'), allowed: false,
    },
  ];
  for (const c of cases) test(c.name, () => assert.equal(trustAllows(c.policy, c.principal, c.ctx), c.allowed));
});

describe('permission policy evaluation', () => {
  const policies: PolicyDocument[] = [
    { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: 'acs:kms:*:100:secret/team-a/*' }] },
    { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oos:GetSecretParameter'], Resource: ['acs:oos:cn-hangzhou:100:secretparameter/team-a/?'] }] },
    { Version: '1', Statement: [{ Effect: 'Deny', Action: 'kms:GetSecretValue', Resource: 'acs:kms:*:100:secret/team-a/locked' }] },
  ];
  const cases: { name: string; action: string; resource: string; decision: ReturnType<typeof evaluatePermission> }[] = [
    { name: 'kms:* allows GetSecretValue under the prefix in any region', action: 'kms:GetSecretValue', resource: 'acs:kms:cn-beijing:100:secret/team-a/db', decision: 'allow' },
    { name: 'action names match case-insensitively', action: 'KMS:getsecretvalue', resource: 'acs:kms:cn-beijing:100:secret/team-a/db', decision: 'allow' },
    { name: 'resource outside the prefix is an implicit deny', action: 'kms:GetSecretValue', resource: 'acs:kms:cn-beijing:100:secret/team-b/db', decision: 'implicit-deny' },
    { name: 'another account in the resource is an implicit deny', action: 'kms:GetSecretValue', resource: 'acs:kms:cn-beijing:200:secret/team-a/db', decision: 'implicit-deny' },
    { name: '? matches exactly one character', action: 'oos:GetSecretParameter', resource: 'acs:oos:cn-hangzhou:100:secretparameter/team-a/k', decision: 'allow' },
    { name: '? does not match two characters', action: 'oos:GetSecretParameter', resource: 'acs:oos:cn-hangzhou:100:secretparameter/team-a/kk', decision: 'implicit-deny' },
    { name: 'an explicit Deny beats the wildcard Allow', action: 'kms:GetSecretValue', resource: 'acs:kms:cn-hangzhou:100:secret/team-a/locked', decision: 'explicit-deny' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(evaluatePermission(policies, c.action, c.resource), c.decision));

  test('regex metacharacters in a pattern are literal', () => {
    assert.equal(wildcardMatch('secret/a.b', 'secret/aXb'), false);
    assert.equal(wildcardMatch('secret/a.b', 'secret/a.b'), true);
  });
});

describe('policy validation', () => {
  const cases: { name: string; doc: unknown; kind: 'trust' | 'permission'; problems: RegExp[] }[] = [
    { name: 'a valid RRSA trust policy has no problems', doc: trust({ StringEquals: { 'oidc:sub': 's' } }), kind: 'trust', problems: [] },
    { name: 'not an object', doc: 'x', kind: 'trust', problems: [/^p: must be a policy object/] },
    { name: 'empty Statement', doc: { Version: '1', Statement: [] }, kind: 'permission', problems: [/^p\.Statement: must be a non-empty array/] },
    {
      name: 'every problem of a trust statement is listed',
      doc: { Version: '1', Statement: [{ Effect: 'allow', Action: 7, Principal: { Role: 'x' }, Condition: { StringEquals: { 'acs:SourceIp': '1.2.3.4' } } }] },
      kind: 'trust',
      problems: [/Effect: must be "Allow" or "Deny"/, /Action: must be a string/, /Principal\.Role: unknown principal type/, /Condition\.StringEquals\.acs:SourceIp: unknown condition key/],
    },
    { name: 'a permission statement needs a Resource and may not carry a Principal', doc: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Principal: { RAM: '1' } }] }, kind: 'permission', problems: [/Resource: must be/, /Principal: not allowed/] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = policyProblems(c.doc, c.kind, 'p');
      assert.equal(got.length, c.problems.length, JSON.stringify(got));
      c.problems.forEach((re, i) => assert.match(got[i] ?? '', re));
    });
  }
});
