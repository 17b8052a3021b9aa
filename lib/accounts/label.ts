/**
 * How a person is shown on the kit's pages ("Signed in as", consent's account, an app's
 * owner): their email or name from the host's claims — never the internal account id, which
 * means nothing to them and is not the host's to publish.
 */
export function accountLabel(claims: Record<string, unknown> | undefined): string | undefined {
  for (const claim of ['email', 'name', 'preferred_username']) {
    const value = claims?.[claim];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 200);
  }
  return undefined;
}
