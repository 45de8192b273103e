// Starts one of emulate's services for the tests and prints its URL on a line of its own.
//
//   node start.mjs <service> [port] [seed.json]
//
// Port 0 (the default) takes any free port. It runs until it is killed, or until its standard
// input closes: the test process that started it holds that pipe, so an emulator never
// outlives a test run that died.
import { readFileSync } from 'node:fs'
import { createEmulator } from 'emulate'

const [service = 'twilio', port = '0', seedPath] = process.argv.slice(2)
const seed = seedPath ? JSON.parse(readFileSync(seedPath, 'utf8')) : undefined
const emulator = await createEmulator({ service, port: Number(port), hostname: '127.0.0.1', seed })
// emulate advertises localhost; the tests reach it on the address it listens on.
const url = new URL(emulator.url)
url.hostname = '127.0.0.1'
console.log(url.origin)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await emulator.close().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('error', stop)
process.stdin.resume()
