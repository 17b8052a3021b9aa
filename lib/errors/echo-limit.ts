/**
 * What an error description may echo of the request. Descriptions say what was wrong (which
 * scope is unknown, which value is bad), but a hostile request must not get its own input
 * reflected at length: a refresh naming 5,000 unknown scopes once got all 28 KB of them back.
 */

/** The longest error description the kit sends, in characters. */
export const MAX_DESCRIPTION_CHARS = 300;

/** `text`, cut to {@link MAX_DESCRIPTION_CHARS} with an ellipsis when longer. */
export function capDescription(text: string): string {
  return text.length <= MAX_DESCRIPTION_CHARS ? text : `${text.slice(0, MAX_DESCRIPTION_CHARS - 1)}…`;
}

/** Names the first `max` of `names`: "a, b, c and 4,997 more". */
export function nameSome(names: readonly string[], max = 20): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${(names.length - max).toLocaleString('en-US')} more`;
}

/**
 * An error body with nothing echoed at length: `error_description` capped, and a `scope` member
 * (oidc-provider lists the scopes it refused) left out when longer than the cap, since a cut
 * list would name scopes wrongly.
 */
export function capErrorBody<T extends { error_description?: unknown; scope?: unknown }>(body: T): T {
  const { error_description: description, scope } = body;
  const longScope = typeof scope === 'string' && scope.length > MAX_DESCRIPTION_CHARS;
  const longDescription = typeof description === 'string' && description.length > MAX_DESCRIPTION_CHARS;
  if (!longScope && !longDescription) return body;
  const capped: T = { ...body };
  if (longDescription) capped.error_description = capDescription(description);
  if (longScope) delete capped.scope;
  return capped;
}
