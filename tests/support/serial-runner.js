// The integration project's test runner: Jest's own, marked serial, so the integration files run
// one at a time against the one local stack (as `--runInBand` would) while the unit and infra
// files keep their parallel workers.
const { default: TestRunner } = require('jest-runner');

class SerialRunner extends TestRunner {
  isSerial = true;
}

module.exports = SerialRunner;
