// The signing-device radio group, one for the transaction review and the Safe message screen (the
// same devices, notes and disabled states; the message screen leaves out what it cannot sign with).
import type { DeviceChoice, StatusView } from '../api.ts'

export function DevicePicker({
  devices,
  device,
  name,
  onDevice,
}: {
  devices: StatusView['devices']
  device: DeviceChoice
  /** The radio group's name (unique per screen). */
  name: string
  onDevice: (device: DeviceChoice) => void
}) {
  return (
    <fieldset className="devices">
      <legend>Signing device</legend>
      {devices.map((d) => (
        <label key={d.device}>
          <input
            type="radio"
            name={name}
            value={d.device}
            checked={device === d.device}
            disabled={!d.allowed}
            onChange={() => onDevice(d.device)}
          />{' '}
          {d.note}
        </label>
      ))}
    </fieldset>
  )
}
