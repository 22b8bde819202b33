// Preload: `window.airlock`, one IPC call per channel of the API. Nothing else of Electron or Node
// reaches the page.
import { contextBridge, ipcRenderer } from 'electron'
import { type Api, channels } from './api.ts'

const api = Object.fromEntries(
  channels.map((name) => [name, (input?: unknown) => ipcRenderer.invoke(name, input)]),
) as unknown as Api

contextBridge.exposeInMainWorld('airlock', api)
