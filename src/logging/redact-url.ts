/** Replaces the password in a URL's user info with `***`, for logs; other text is unchanged. */
export function redactUrl(url: string): string {
  const start = url.indexOf('://');
  if (start < 0) return url;
  const authorityStart = start + 3;
  const tail = url.slice(authorityStart);
  const authorityEnd = tail.search(/[/?#]/);
  const authority = authorityEnd < 0 ? tail : tail.slice(0, authorityEnd);
  // The last '@' ends the user info, so an unescaped '@' inside a password is still hidden.
  const at = authority.lastIndexOf('@');
  const colon = authority.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return url;
  const userInfo = `${authority.slice(0, colon)}:***`;
  return `${url.slice(0, authorityStart)}${userInfo}${url.slice(authorityStart + at)}`;
}
