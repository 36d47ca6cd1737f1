/** The Electron binary, located the same way `npm start` and `npm run e2e` locate it. */
export { electronBinary } from '../../scripts/electron-binary.mjs';
