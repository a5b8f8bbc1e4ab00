/**
 * What chapter 12's TLS and nginx tests share: a test certificate made with Debian's openssl, and
 * one echo over `wss:` with the `ws` client trusting it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WsClient from 'ws';

/** A self-signed certificate for localhost and 127.0.0.1, valid for a day, written into `dir` as cert.pem and key.pem. */
export function makeCertificate(dir: string): { cert: Buffer; key: Buffer } {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`openssl is missing: these tests need it to make a certificate (apt-get update && apt-get install -y openssl): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`openssl req failed (${result.status}): ${result.stderr}`);
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}

/** Connects to `url` trusting `ca`, sends `message`, resolves with the first message back. */
export function echoOverWss(url: string, ca: Buffer, message: string): Promise<string> {
  const client = new WsClient(url, { ca });
  return new Promise<string>((resolve, reject) => {
    client.once('open', () => client.send(message));
    client.once('message', (data) => {
      resolve(String(data));
      client.close();
    });
    client.once('error', reject);
  });
}
