import { MessageInputError } from '../dispatch/header-safety.js';
import {
  parseWebUrl,
  safeLinkUrl,
  type UnsubscribeUrlBuilder,
  URL_SAFE_SEGMENT,
} from '../dispatch/unsubscribe-url.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import type { LinkSigner } from './signed-token.js';

/**
 * The links a mail carries to `tailor server`, each with a signed token:
 *   /u/<token>             unsubscribe (GET: confirmation page; POST: RFC 8058 one-click)
 *   /c/<token>?to=<url>    click redirect; the token signs the target, so no other target passes
 *   /o/<token>             open pixel
 * built on TAILOR_PUBLIC_URL, else the spec's publicUrl.
 */

export const LINK_PATHS = { unsubscribe: 'u', click: 'c', open: 'o' } as const;

/** The list an unsubscribe token names: Tailor keeps one suppression list for marketing mail. */
export const MARKETING_LIST = 'marketing';

export interface UnsubscribeClaim {
  campaignId: string;
  customerId: string;
  list: string;
  /** The customer's index in the snapshot the mail was built from: a lookup hint, checked by id. */
  index?: number;
}

export interface RecipientClaim {
  campaignId: string;
  customerId: string;
}

/** Base of every link: TAILOR_PUBLIC_URL when set, else the spec's publicUrl. */
export function linkBaseUrl(
  spec: Pick<CampaignSpec, 'publicUrl'>,
  env: NodeJS.ProcessEnv = process.env,
): URL {
  const fromEnv = env.TAILOR_PUBLIC_URL?.trim();
  const url = fromEnv
    ? parseWebUrl(fromEnv, 'TAILOR_PUBLIC_URL')
    : parseWebUrl(spec.publicUrl, 'publicUrl (set TAILOR_PUBLIC_URL to where `tailor server` is reachable)');
  if (url.search || url.hash) {
    throw new MessageInputError(
      fromEnv ? 'TAILOR_PUBLIC_URL' : 'publicUrl',
      'must not carry a query or fragment',
    );
  }
  return url;
}

function linkUrl(base: URL, path: string, token: string, query?: Record<string, string>): string {
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
  // A URL-safe path and token under a parsed base need no parsing (one URL parse less per mail).
  if (!query && !base.search && !base.hash && URL_SAFE_SEGMENT.test(path) && URL_SAFE_SEGMENT.test(token)) {
    return `${root}${path}/${token}`;
  }
  const url = new URL(`${path}/${token}`, root);
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  return url.href;
}

export function unsubscribeToken(signer: LinkSigner, claim: UnsubscribeClaim): string {
  return signer.sign('unsubscribe', [
    claim.campaignId,
    claim.customerId,
    claim.list,
    claim.index === undefined ? '' : String(claim.index),
  ]);
}

export function readUnsubscribeToken(signer: LinkSigner, token: string): UnsubscribeClaim | null {
  const fields = signer.verify(token, 'unsubscribe');
  if (fields?.length !== 4) return null;
  const [campaignId, customerId, list, index] = fields;
  return {
    campaignId,
    customerId,
    list,
    ...(index !== '' && /^\d+$/.test(index) ? { index: Number(index) } : {}),
  };
}

export function clickToken(signer: LinkSigner, claim: RecipientClaim, target: string): string {
  return signer.sign('click', [claim.campaignId, claim.customerId], target);
}

/** The recipient of a click when the token signs exactly this target, else null. */
export function readClickToken(signer: LinkSigner, token: string, target: string): RecipientClaim | null {
  const fields = signer.verify(token, 'click', target);
  return fields && fields.length === 2 ? { campaignId: fields[0], customerId: fields[1] } : null;
}

export function openToken(signer: LinkSigner, claim: RecipientClaim): string {
  return signer.sign('open', [claim.campaignId, claim.customerId]);
}

export function readOpenToken(signer: LinkSigner, token: string): RecipientClaim | null {
  const fields = signer.verify(token, 'open');
  return fields && fields.length === 2 ? { campaignId: fields[0], customerId: fields[1] } : null;
}

/** What prepareEmail needs to put a campaign's signed links in each mail. */
export interface CampaignLinks {
  publicUrl: string;
  unsubscribeUrlFor: UnsubscribeUrlBuilder;
  clickUrlFor?: (target: string, customerId: string) => string;
  openPixelUrlFor?: (customerId: string) => string;
}

/**
 * The link builders of one campaign. Tracking builders exist only when the spec turns them on;
 * a click link is built only for an http(s) target (anything else is left as it is and the
 * template drops it).
 */
export function campaignLinks(
  signer: LinkSigner,
  options: {
    campaignId: string;
    base: URL;
    tracking?: { clicks: boolean; opens: boolean };
  },
): CampaignLinks {
  const { campaignId, base, tracking } = options;
  const links: CampaignLinks = {
    publicUrl: base.href,
    unsubscribeUrlFor: (_baseUrl, campaign, customerId, index) =>
      linkUrl(
        base,
        LINK_PATHS.unsubscribe,
        unsubscribeToken(signer, { campaignId: campaign, customerId, list: MARKETING_LIST, index }),
      ),
  };
  if (tracking?.clicks) {
    links.clickUrlFor = (target, customerId) => {
      const safe = safeLinkUrl(target);
      if (!safe) return target;
      return linkUrl(base, LINK_PATHS.click, clickToken(signer, { campaignId, customerId }, safe), {
        to: safe,
      });
    };
  }
  if (tracking?.opens) {
    links.openPixelUrlFor = (customerId) =>
      linkUrl(base, LINK_PATHS.open, openToken(signer, { campaignId, customerId }));
  }
  return links;
}

/** The links a run's mails carry: signed, on TAILOR_PUBLIC_URL or the spec's publicUrl. */
export function linksOfSpec(
  signer: LinkSigner,
  campaignId: string,
  spec: Pick<CampaignSpec, 'publicUrl' | 'tracking'>,
  env: NodeJS.ProcessEnv = process.env,
): CampaignLinks {
  return campaignLinks(signer, { campaignId, base: linkBaseUrl(spec, env), tracking: spec.tracking });
}
