/**
 * The system programs some suites need (redis-server, Chromium), found before a suite starts
 * them: a missing one fails its suite at once with the command that installs it, instead of a
 * hook timeout or a hang. Each can be pointed elsewhere with an environment variable.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SystemTool {
  /** The program's name on PATH, or its absolute path. */
  command: string;
  /** The environment variable that overrides `command`. */
  env: string;
  /** The Debian package that provides it. */
  debianPackage: string;
}

export const REDIS_SERVER: SystemTool = {
  command: 'redis-server',
  env: 'REDIS_SERVER_BIN',
  debianPackage: 'redis-server',
};
export const REDIS_CLI: SystemTool = {
  command: 'redis-cli',
  env: 'REDIS_CLI_BIN',
  debianPackage: 'redis-server',
};
export const CHROMIUM: SystemTool = {
  command: '/usr/bin/chromium',
  env: 'CHROMIUM_BIN',
  debianPackage: 'chromium',
};

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The tool's path, or undefined when it is not installed. */
export function findTool(tool: SystemTool): string | undefined {
  const command = process.env[tool.env] || tool.command;
  if (command.includes('/')) return executable(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

export function missingToolMessage(tool: SystemTool): string {
  const command = process.env[tool.env] || tool.command;
  return (
    `${command} is not installed (or not executable), and these tests need it. ` +
    `Install it with \`apt-get install ${tool.debianPackage}\` (Debian/Ubuntu), ` +
    `or set ${tool.env} to its path.`
  );
}

/** The tool's path; throws the install command when it is missing. */
export function requireTool(tool: SystemTool): string {
  const path = findTool(tool);
  if (!path) throw new Error(missingToolMessage(tool));
  return path;
}
