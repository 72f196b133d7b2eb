import { Command, CommanderError } from 'commander';
import { registerCampaignCommands } from './campaign-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerImportCommand } from './import-command.js';
import { registerPredictCommands } from './predict-command.js';
import { registerReportCommand } from './report-command.js';
import { registerScheduleCommands } from './schedule-command.js';
import { registerSegmentCommands } from './segment-command.js';
import { registerServerCommand } from './server-command.js';
import { registerSuppressCommands } from './suppress-command.js';
import { registerWorkerCommand } from './worker-command.js';

const program = new Command('tailor')
  .description('Personalised retail marketing: segment, predict, write and send, on BullMQ and Redis.')
  .showHelpAfterError()
  .exitOverride();

registerDemoCommand(program);
registerImportCommand(program);
registerCampaignCommands(program);
registerReportCommand(program);
registerWorkerCommand(program);
registerServerCommand(program);
registerPredictCommands(program);
registerSegmentCommands(program);
registerScheduleCommands(program);
registerSuppressCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  // One clear line for the user; the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`tailor: ${message}\n`);
  if (process.env.TAILOR_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}
