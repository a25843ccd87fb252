import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SaturnError } from './errors.ts';

/** True for a spec that names a file rather than a package: `./x`, `../x`, `/abs/x`, `file:…`. */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec) || spec.startsWith('file:');
}

/**
 * Imports a plug-in module: a path relative to the working directory, an absolute path, a
 * `file:` URL, or a package resolved from the working directory (the user's project, not
 * saturn's own node_modules). A module that cannot be loaded is one error naming `field`.
 */
export async function importPlugin(spec: string, field: string, kind: string, builtIn: string[]): Promise<Record<string, unknown>> {
  const notWhat = `unknown ${kind} "${spec}": not a built-in one (${builtIn.join(', ')}) nor`;
  let url: string;
  try {
    url = spec.startsWith('file:') ? spec : isPathSpec(spec) ? pathToFileURL(resolve(spec)).href : pathToFileURL(createRequire(join(process.cwd(), 'package.json')).resolve(spec)).href;
  } catch (cause) {
    throw new SaturnError(`${field}: ${notWhat} a package that can be found from ${process.cwd()} (${(cause as Error).message.split('\n')[0]})`, { cause });
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException;
    const missing = e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(url.replace('file://', ''));
    throw new SaturnError(`${field}: ${missing ? `${notWhat} a file that exists` : `${kind} "${spec}" cannot be loaded: ${e.message.split('\n')[0]}`}`, { cause });
  }
}
