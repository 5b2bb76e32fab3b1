// Independent check of SM2 signatures and SM3 digests with sm-crypto (not used by the product).
// stdin: {"sm3": [{"data": base64, "digest": hex}], "sm2": [{"public_key": hex 04||x||y, "data": base64,
//         "signature": hex DER}]}; stdout: {"sm3": [bool], "sm2": [bool]}.
'use strict';
const { sm2, sm3 } = require('sm-crypto');

const bytes = (b64) => Array.from(Buffer.from(b64, 'base64'));
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const result = {
    sm3: (request.sm3 || []).map((item) => sm3(bytes(item.data)) === item.digest.toLowerCase()),
    sm2: (request.sm2 || []).map((item) => sm2.doVerifySignature(
      bytes(item.data), item.signature, item.public_key, { der: true, hash: true })),
  };
  process.stdout.write(JSON.stringify(result));
});
