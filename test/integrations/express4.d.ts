// `express4` is the npm alias of express@4 (a dev dependency) and ships no types; the tests use only
// what Express 4 and 5 share, so it is typed as the current major.
declare module 'express4' {
  import express from 'express'
  export default express
}
