// The coordinator's commands, in the order `airlock --help` lists them.
import type { Command } from '../../command.ts'
import {
  actionCancel,
  actionConfirm,
  actionExec,
  actionList,
  actionQr,
  actionReject,
  actionShow,
} from './action.ts'
import {
  actionNewAdmin,
  actionNewBatch,
  actionNewCall,
  actionNewPause,
  actionNewTimelockCancel,
  actionNewTimelockExecute,
  actionNewTimelockSchedule,
  actionNewTransfer,
} from './actionNew.ts'
import { actionNewApproveHash } from './approveHash.ts'
import { coordinatorInit } from './init.ts'
import { messageCommands } from './message.ts'
import { safeAdd, safeShow } from './safeAdmin.ts'
import { sentryRun } from './sentry.ts'
import { serviceCommands } from './service.ts'
import { sigAdd } from './sig.ts'

export const coordinatorCommands: Command[] = [
  coordinatorInit,
  safeAdd,
  safeShow,
  actionNewTransfer,
  actionNewCall,
  actionNewBatch,
  ...actionNewAdmin,
  actionNewPause,
  actionNewTimelockSchedule,
  actionNewTimelockExecute,
  actionNewTimelockCancel,
  actionNewApproveHash,
  actionList,
  actionShow,
  actionQr,
  actionCancel,
  actionReject,
  actionExec,
  actionConfirm,
  sigAdd,
  ...serviceCommands,
  ...messageCommands,
  sentryRun,
]
