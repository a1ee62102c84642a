/**
 * Stands in for `@alicloud/tea-xml` in the esbuild bundle (scripts/sdk-slim-plugin.mjs maps the
 * package here), so the injector does not load xml2js, sax and xmlbuilder (about 100 KB of
 * bundled code) for a path it almost never takes.
 *
 * Why this is enough: `@alicloud/openapi-client` 0.4.x calls tea-xml in exactly one place, the
 * error branch of `doRequest` (dist/client.js: `tea_xml_1.default.parseXml(_str, null)`), taken
 * when a 4xx/5xx answer has `Content-Type: text/xml;charset=utf-8`; it then reads only
 * `respMap["Error"]`. Every request the injector makes asks for JSON (`accept: application/json`
 * on the ACS3 path, and `bodyType: 'json'` on every call, injector/cloud/openapi-client-factory.ts and
 * injector/cloud/sts-client.ts), so Alibaba Cloud answers JSON, errors included. A gateway that still
 * answers XML sends the flat POP error document (`<Error><RequestId/><HostId/><Code/><Message/>
 * </Error>`, the "Error response" example of the Alibaba Cloud API common-response reference),
 * which this module reads into the same `{ Error: { Code, Message, ... } }` map that
 * `xml2js.Parser({ explicitArray: false })` would give for it, so the SDK's error (its code and
 * HTTP status, hence our retry decision) is unchanged. Anything else is a clear E_PROVIDER.
 * test/unit/bundle-sdk-slim.test.ts fails if openapi-client starts calling another tea-xml method.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';

/** The five predefined XML entities (XML 1.0 §4.6) and numeric character references. */
function decodeXmlText(text: string): string {
  return text.replace(/&(?:#x([0-9a-fA-F]+)|#(\d+)|(lt|gt|amp|quot|apos));/g, (_m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (dec !== undefined) return String.fromCodePoint(Number.parseInt(dec, 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[name ?? ''] ?? '';
  });
}

/** `@alicloud/tea-xml`'s `Client`, reduced to the one call openapi-client makes. */
export default class TeaXmlErrorBody {
  /**
   * Reads an Alibaba Cloud XML error document into `{ Error: { <element>: <text> } }` (leaf
   * elements only, as xml2js with `explicitArray: false` yields for that flat document).
   * 1. Find the `<Error>` element; without one, throw E_PROVIDER (not an error document).
   * 2. Take each leaf child `<Name>text</Name>`, decoding entities.
   * 3. Require a `Code`: the SDK turns it into the error code our retry decision reads.
   */
  static parseXml(body: string, _response: unknown): { Error: Record<string, string> } {
    const fail = (why: string): InjectorError => new InjectorError(ErrorCode.PROVIDER,
      `the service answered an error with an XML body that ${why}; the injector asks for JSON and reads only the Alibaba Cloud XML error document (<Error><Code>...</Code></Error>)`,
      { retryable: true, detail: { cloudCode: 'MalformedResponse' } });
    // 1.
    const root = /<Error(?:\s[^>]*)?>([\s\S]*)<\/Error\s*>/.exec(String(body));
    if (root === null) throw fail('has no <Error> element');
    // 2.
    const error: Record<string, string> = {};
    for (const m of (root[1] ?? '').matchAll(/<([A-Za-z_][\w.-]*)(?:\s[^>]*)?>([^<]*)<\/\1\s*>/g)) {
      const [, name, text] = m;
      if (name !== undefined && !(name in error)) error[name] = decodeXmlText(text ?? '');
    }
    // 3.
    if (error.Code === undefined) throw fail('has no <Code> in its <Error> element');
    return { Error: error };
  }
}
