import { createRequire } from 'node:module';
import { CeleriacError } from '../errors/errors.ts';

// Drivers are CommonJS packages, so a require is synchronous and costs nothing until the
// feature that needs one is used: a user of one broker installs and loads only its driver.
const requireFromHere = createRequire(import.meta.url);

/** An optional peer dependency a feature needs is not installed. */
export class MissingPackage extends CeleriacError {
  /** The npm package to install. */
  readonly packageName: string;
  constructor(packageName: string, feature: string) {
    super(
      'PACKAGE_MISSING',
      `${feature} needs the "${packageName}" package: npm install ${packageName}`,
    );
    this.packageName = packageName;
  }
}

/** Loads an optional peer dependency on first use, or fails with the line that installs it. */
export function requireOptional<T>(packageName: string, feature: string): T {
  try {
    return requireFromHere(packageName) as T;
  } catch (error) {
    if (isNotFound(error, packageName)) throw new MissingPackage(packageName, feature);
    throw error;
  }
}

// Only the package itself missing counts: a driver that is there but fails to load (a native
// addon built for another Node) must show its own error.
function isNotFound(error: unknown, packageName: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && String(message).includes(`'${packageName}'`);
}
