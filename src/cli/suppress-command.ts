import type { Command } from 'commander';
import { addSuppressions } from '../audience/suppression-admin.js';
import { parseReason, readSuppressionFile } from '../audience/suppression-file.js';
import { validateEmailAddress } from '../dispatch/header-safety.js';
import { SUPPRESSION_REASONS, type SuppressionEntry, SuppressionList } from '../dispatch/suppression.js';
import { printJson, withRuntime } from './cli-runtime.js';

/**
 * `tailor suppress add|remove|list|import`: the addresses no marketing mail goes to, whatever
 * the campaign (unsubscribed, hard-bounced, complained, manual). Dispatch checks the list just
 * before every send.
 */
export function registerSuppressCommands(program: Command): void {
  const suppress = program
    .command('suppress')
    .description(`the suppression list (reasons: ${SUPPRESSION_REASONS.join(', ')})`);

  suppress
    .command('add')
    .argument('<emails...>', 'addresses to suppress')
    .option('--reason <reason>', SUPPRESSION_REASONS.join(' | '), 'manual')
    .option('--json', 'print only JSON')
    .description('suppress addresses (an address already listed keeps its record)')
    .action(async (emails: string[], options: { reason: string }) => {
      const reason = parseReason(options.reason, '--reason');
      // Every address is checked before anything is written.
      const entries = emails.map((email, i) => ({
        email: validateEmailAddress(email, emails.length > 1 ? `address ${i + 1}` : 'address'),
        reason,
      }));
      await withRuntime(async (runtime) => {
        printJson(await addSuppressions(new SuppressionList(runtime.redis.client), entries));
      });
    });

  suppress
    .command('remove')
    .argument('<emails...>', 'addresses to take off the list')
    .option('--json', 'print only JSON')
    .description('take addresses off the suppression list')
    .action(async (emails: string[]) => {
      await withRuntime(async (runtime) => {
        const list = new SuppressionList(runtime.redis.client);
        const missing: string[] = [];
        let removed = 0;
        for (const email of emails) {
          if (await list.remove(email)) removed++;
          else missing.push(email);
        }
        printJson({ removed, missing });
      });
    });

  suppress
    .command('list')
    .option('--reason <reason>', 'only this reason')
    .option('--json', 'a JSON array of {email, reason, at, campaignId}')
    .description('the suppressed addresses')
    .action(async (options: { reason?: string; json?: boolean }) => {
      const reason = options.reason === undefined ? undefined : parseReason(options.reason, '--reason');
      await withRuntime(async (runtime) => {
        const list = new SuppressionList(runtime.redis.client);
        const out = process.stdout;
        let first = true;
        const write = (entry: SuppressionEntry) => {
          if (options.json) {
            // Streamed, so a list of millions is never held as one string.
            out.write(`${first ? '[' : ','}\n${JSON.stringify(entry)}`);
          } else {
            out.write(
              `${entry.email}\t${entry.reason}\t${entry.at}${entry.campaignId ? `\t${entry.campaignId}` : ''}\n`,
            );
          }
          first = false;
        };
        let cursor = '0';
        do {
          const page = await list.list(cursor, 1_000);
          cursor = page.cursor;
          for (const entry of page.entries) if (!reason || entry.reason === reason) write(entry);
        } while (cursor !== '0');
        if (options.json) out.write(first ? '[]\n' : '\n]\n');
      });
    });

  suppress
    .command('import')
    .argument(
      '<file>',
      'CSV or JSONL with an email column (optional reason, campaign_id), or one address per line',
    )
    .option('--reason <reason>', 'reason of rows that give none', 'manual')
    .option('--json', 'print only the JSON summary')
    .description('suppress every address of a file; bad rows are reported with their line and skipped')
    .action(async (file: string, options: { reason: string; json?: boolean }) => {
      const reason = parseReason(options.reason, '--reason');
      await withRuntime(async (runtime) => {
        const list = new SuppressionList(runtime.redis.client);
        const summary = { file, added: 0, alreadySuppressed: 0, rejected: 0 };
        for await (const batch of readSuppressionFile(file, reason)) {
          const result = await addSuppressions(list, batch.entries);
          summary.added += result.added;
          summary.alreadySuppressed += result.alreadySuppressed;
          summary.rejected += batch.rejects.length;
          if (!options.json && summary.rejected <= 20) {
            for (const reject of batch.rejects) {
              process.stderr.write(`rejected ${reject.file}:${reject.line}: ${reject.reason}\n`);
            }
          }
        }
        printJson(summary);
      });
    });
}
