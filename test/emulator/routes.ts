/**
 * The API actions the emulator serves. STS, KMS and OOS all reach the same 127.0.0.1:port, so a
 * request is routed by its action and API version (`x-acs-action`/`x-acs-version` for ACS3,
 * `Action`/`Version` parameters for RPC v1), never by host name (reference §7.1 step 9).
 */
import type { Product } from './acs-error.ts';

/** One served action. */
export interface ActionRoute {
  product: Product;
  version: string;
  /** Anonymous actions take no signature (AssumeRoleWithOIDC, reference §2.2). */
  anonymous: boolean;
}

/** The served actions by name, with their product and the only API version each accepts. */
export const ACTION_ROUTES: Readonly<Record<string, ActionRoute>> = {
  AssumeRoleWithOIDC: { product: 'sts', version: '2015-04-01', anonymous: true },
  AssumeRole: { product: 'sts', version: '2015-04-01', anonymous: false },
  GetSecretValue: { product: 'kms', version: '2016-01-20', anonymous: false },
  GetSecretParameter: { product: 'oos', version: '2019-06-01', anonymous: false },
};

/** The product an action belongs to, if the emulator serves it. */
export function productOf(action: string): Product | undefined {
  return ACTION_ROUTES[action]?.product;
}

/** The HostId the real service puts in its bodies (reference §8). */
export function hostIdOf(product: Product | undefined, region: string): string {
  return product === 'sts' ? 'sts.aliyuncs.com' : product === undefined ? 'aliyuncs.com' : `${product}.${region}.aliyuncs.com`;
}
