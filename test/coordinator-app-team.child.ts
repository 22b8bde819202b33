// A second coordinator process for coordinator-app-team.test.ts: it opens the app's context from the
// environment (team mode: DATABASE_URL), listens for queue changes, queues a payroll, and prints
// "queued <id>" then "seen <id> <state> <signatures>" after every change it is notified of.
import { createHandlers } from '@airlock/coordinator-app/handlers'
import { openContext } from '@airlock/coordinator-app/node'

const recipients = JSON.parse(process.argv[2] ?? '[]') as string[]
const context = await openContext({ env: process.env })
const api = createHandlers(context)
let watched: string | undefined
const listener = await context.watch?.(() => {
  api.bump()
  void api.queue().then((queue) => {
    if (!queue.ok) return
    for (const action of queue.value.actions.filter((a) => a.id === watched))
      process.stdout.write(`seen ${action.id} ${action.state} ${action.signatures.length}\n`)
  })
})
const composed = await api.compose({
  form: { builder: 'batch', transfers: recipients.map((to) => ({ asset: 'ETH', to, amount: '0.1' })) },
  title: 'Payroll from the second operator',
  queue: true,
})
if (!composed.ok || !composed.value.actionId) {
  process.stderr.write(`${JSON.stringify(composed)}\n`)
  process.exit(1)
}
watched = composed.value.actionId
process.stdout.write(`queued ${watched}\n`)
// Runs until the parent closes stdin.
process.stdin.resume()
process.stdin.on('end', async () => {
  await listener?.close()
  await context.store.close()
  process.exit(0)
})
