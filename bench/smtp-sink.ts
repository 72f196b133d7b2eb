/**
 * A local SMTP sink for bench:campaign --transport smtp: a real SMTP server (the smtp-server
 * package) on a free loopback port that accepts every message, counts messages and bytes and
 * drops them. Prints `{"url"}` when listening; on SIGTERM prints `{"messages","bytes"}` and exits.
 *
 *   node dist-bench/bench/smtp-sink.js
 */
import { SMTPServer } from 'smtp-server';

let messages = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  // Several worker processes, each with a pool of connections.
  maxClients: 1000,
  onData(stream, _session, callback) {
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    stream.on('end', () => {
      messages++;
      callback();
    });
  },
});
server.on('error', () => {}); // a killed client's reset socket must not end the sink
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
console.log(JSON.stringify({ url: `smtp://127.0.0.1:${port}` }));
process.once('SIGTERM', () => {
  server.close(() => {
    console.log(JSON.stringify({ messages, bytes }));
    process.exit(0);
  });
});
