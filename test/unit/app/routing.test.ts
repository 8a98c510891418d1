import { describe, expect, it } from 'vitest';
import { globToRegExp, Router } from '../../../src/app/routing.ts';

describe('globToRegExp', () => {
  it.each([
    ['emails.*', 'emails.send', true],
    ['emails.*', 'emails.', true],
    ['emails.*', 'emails.welcome.html', true],
    ['emails.*', 'emails', false],
    ['emails.*', 'emailsXsend', false],
    ['emails.*', 'x.emails.send', false],
    ['*.send', 'emails.send', true],
    ['*', 'anything at all', true],
    ['report.?', 'report.a', true],
    ['report.?', 'report.ab', false],
    ['report.?', 'report.', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['(x)|y', '(x)|y', true],
    ['(x)|y', 'y', false],
    ['price$[1]', 'price$[1]', true],
    ['back\\slash', 'back\\slash', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s matches %s: %s', (glob, name, matches) => {
    expect(globToRegExp(glob).test(name)).toBe(matches);
  });
});

describe('Router', () => {
  it('takes the first matching route', () => {
    const router = new Router({
      'emails.urgent.*': 'urgent',
      'emails.*': 'emails',
      '*': 'fallback',
    });
    expect(router.route('emails.urgent.send')).toBe('urgent');
    expect(router.route('emails.send')).toBe('emails');
    expect(router.route('reports.render')).toBe('fallback');
  });

  it('returns undefined when no route matches, or there are none', () => {
    expect(new Router({ 'emails.*': 'emails' }).route('reports.render')).toBeUndefined();
    expect(new Router().route('anything')).toBeUndefined();
  });
});
