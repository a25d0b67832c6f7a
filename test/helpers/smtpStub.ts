// A minimal SMTP server on 127.0.0.1 for the --send tests (written for
// lockreview; no network): EHLO/HELO, MAIL FROM, RCPT TO, DATA (with dot
// unstuffing), RSET, NOOP, QUIT. It records every envelope and message and
// offers neither STARTTLS nor AUTH, so clients speak plain SMTP to it.
import { createServer, type Server, type Socket } from "node:net";

export interface Received {
  from: string;
  to: string[];
  /** The message as the client sent it after DATA (CRLF line ends, unstuffed). */
  data: Buffer;
}

export interface SmtpStub {
  port: number;
  url: string;
  received: Received[];
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startSmtpStub(): Promise<SmtpStub> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const stub = { port: 0, url: "", received, connections: 0 } as SmtpStub;
  const server: Server = createServer((sock) => {
    stub.connections++;
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sock.destroy());
    let buf = Buffer.alloc(0);
    let inData = false;
    let data: Buffer[] = [];
    let env: { from: string; to: string[] } = { from: "", to: [] };
    const reply = (s: string) => sock.write(`${s}\r\n`);
    reply("220 127.0.0.1 lockreview-test ESMTP");
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let nl: number;
      while ((nl = buf.indexOf(0x0a)) >= 0) {
        const line = buf.subarray(0, nl + 1);
        buf = buf.subarray(nl + 1);
        const text = line.toString("latin1").replace(/\r?\n$/, "");
        if (inData) {
          if (text === ".") {
            inData = false;
            received.push({ ...env, data: Buffer.concat(data) });
            data = [];
            reply("250 2.0.0 queued");
          } else {
            data.push(text.startsWith("..") ? line.subarray(1) : line);
          }
          continue;
        }
        const cmd = text.slice(0, 4).toUpperCase();
        if (cmd === "EHLO") {
          sock.write("250-127.0.0.1\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n");
        } else if (cmd === "HELO") reply("250 127.0.0.1");
        else if (cmd === "MAIL") {
          env = { from: /<([^>]*)>/.exec(text)?.[1] ?? "", to: [] };
          reply("250 2.1.0 ok");
        } else if (cmd === "RCPT") {
          env.to.push(/<([^>]*)>/.exec(text)?.[1] ?? "");
          reply("250 2.1.5 ok");
        } else if (cmd === "DATA") {
          inData = true;
          reply("354 end data with <CR><LF>.<CR><LF>");
        } else if (cmd === "RSET") {
          env = { from: "", to: [] };
          reply("250 2.0.0 ok");
        } else if (cmd === "NOOP") reply("250 2.0.0 ok");
        else if (cmd === "QUIT") {
          reply("221 2.0.0 bye");
          sock.end();
        } else reply("502 5.5.2 not implemented");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stub.port = (server.address() as { port: number }).port;
  stub.url = `smtp://127.0.0.1:${stub.port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return stub;
}
