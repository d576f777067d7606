import { validateDetailed } from 'node-cron';

/** Why a cron expression is not valid for node-cron, or null when it is. */
export function cronProblem(expr: string): string | null {
  const result = validateDetailed(expr);
  if (result.valid) return null;
  const reasons = result.errors.map((e) => e.message.replace(/ a invalid /g, ' an invalid ')).join('; ');
  return `not a valid cron expression ${JSON.stringify(expr)}: ${reasons || 'rejected by node-cron'}`;
}
