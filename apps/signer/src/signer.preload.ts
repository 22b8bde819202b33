// Preload: the small typed API as `window.airlock`, one IPC call per method. Nothing else of
// Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron'
import { channel, methods, type SignerApi } from './api.ts'
import { type Reply, unwrap } from './ipc.ts'

const api = Object.fromEntries(
  methods.map((method) => [
    method,
    async (arg?: unknown) => unwrap((await ipcRenderer.invoke(channel(method), arg)) as Reply),
  ]),
) as unknown as SignerApi

contextBridge.exposeInMainWorld('airlock', api)
