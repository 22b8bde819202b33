export { chartJsSource } from './chartJs.node.ts'
