/**
 * @module cbor_vectors_test
 * Bytes written by mycel before it had its own CBOR codec (cbor-x 1.6.9,
 * commit fdae083), taken from real homes: one signed entry per op type and
 * per interesting number form (2^32 and 2^40 as float64, -2^32 as a 32-bit
 * negative, -2^32-1 as float64, fractions), a config value whose map has
 * integer-like keys, non-ASCII text, the deepest JSON allowed, and a device
 * card. Old homes must keep verifying: each decodes, its signature checks,
 * and it re-encodes to exactly the same bytes. These stay valid without
 * cbor-x installed.
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../../src/bytes.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { decodeSignedEntry, verifyEntrySignature } from "../../src/log/entry.ts";
import { decodeCard } from "../../src/protocol/card.ts";

/** [what it holds, hex of the signed entry as stored]. */
const ENTRIES: [string, string[]][] = [
  [
    "num.v4294967296",
    [
      "82586f87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa20a",
      "5820e7961dd2cc69afaac4fc617ae9e3618dc887a4da81a314c166089c35cf942429fb427a2373fc",
      "93f0000081836263736f6e756d2e7634323934393637323936fb41f0000000000000584064e31b09",
      "cddd7621717b01be3dad04893ee4f348c5d94ccd37848a0135f397d177a34b8f9047bd524188af66",
      "64244c1719c6a74662cd6277ec1cd1370002ba0b",
    ],
  ],
  [
    "num.v1099511627776",
    [
      "82587287015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa20b",
      "582096c7f7bd4c74534f1b11f1db41665b4ad8309c5a5f1d1e7c41973410068336e9fb427a2373fc",
      "976000008183626373726e756d2e7631303939353131363237373736fb42700000000000005840ea",
      "9ec1795a0ab88331a33ab847fdf279a4c2a9ce592bc89b1be28429240b4145264f02eba4186da96b",
      "721fb1e6d3e92beaf80a7f52e5c033c3acad2062b4620c",
    ],
  ],
  [
    "num.vm65537",
    [
      "82586787015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa213",
      "58206cf64510ba112aa663f2d430e0d35f9e28d509dc6177f562ccd005dbfe7d3293fb427a2373fc",
      "b150000081836263736b6e756d2e766d36353533373a0001000058400224bba1004b917287c7ee7c",
      "063201f9d46e55e3431a997c209fec150a05acbd28bf2e047cff67ebcd5017c545574b34fbb24c39",
      "910187106499e108bb4e950a",
    ],
  ],
  [
    "num.vm2147483649",
    [
      "82586c87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa215",
      "5820e9d29cd827d0b0ff1397e88350016f60ac8826494177cdb9f8fa6f22140c1104fb427a2373fc",
      "b83000008183626373706e756d2e766d323134373438333634393a800000005840a0c11c10df54c2",
      "1b6b933631de032f5eb9ba6a62cfb947e7c38e62db7fd55eea3b1867b611f800abf16ac271e66e55",
      "8121398b0f539c87396504d34bea4f9d02",
    ],
  ],
  [
    "num.vm4294967296",
    [
      "82586c87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa216",
      "5820d52143bbcec0f7b947c7ac6e5eec79d83387bf07d8919d403154b703ee5ae5c7fb427a2373fc",
      "bba000008183626373706e756d2e766d343239343936373239363affffffff5840fbc4fd7f860f30",
      "595c3ff7e0906bb00360fdd1e4958a21a19ce4546985e7fe0dead69a60d609501a1c769380dba77a",
      "412d9b4aba2aef84057e847ccb19b86c06",
    ],
  ],
  [
    "num.vm4294967297",
    [
      "82587087015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa217",
      "582094ad4122527400a3e2eefaaac7978776c80b73513b24e6179d2a883d37b0ecf0fb427a2373fc",
      "bf1000008183626373706e756d2e766d34323934393637323937fbc1f00000001000005840b8ffd8",
      "da9bb00bfaf7453ca89c26ea82f923e8a858b07deb49c2d9aa4e703562ef0e05d53df485e24bf653",
      "167494915440d442c3ee0e5b609174c9745cc2ed00",
    ],
  ],
  [
    "num.v0p5",
    [
      "82586987015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "19582045973dcdb1a21e840802ca2aeb6a4d83fe4343720dfad0021edfe5ae2ef6d12efb427a2373",
      "fcc5b000008183626373686e756d2e76307035fb3fe00000000000005840eb09e18bda5f1b21e1f1",
      "bdb9ceec685a065c2c76292d0c3db701c025028838405663bb6268222c699326242ee439e4779c1d",
      "fa3960e36db910c38eedcd09e40c",
    ],
  ],
  [
    "num.v1e300",
    [
      "82586b87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "1c5820bc6f8c02d6649b7b90f81c251386902acbcc4286e7bbf85deb333f53c73f7c12fb427a2373",
      "fcd020000081836263736a6e756d2e763165333030fb7e37e43c8800759c58402d310b8e7df0546e",
      "02eb49ca00a81cec8124ccb4081daaf5c0546e5867ccd51e8f4c69e5975d4ac7fc70a6d8df741dc6",
      "21ca68924701be05e559aa8f99b16408",
    ],
  ],
  [
    "obj.numeric",
    [
      "82589287015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "205820dcfda6d8f25db5a20fd481c958a41fd10f2bb9c1d81baf8817f433b22660f70afb427a2373",
      "fcdec0000081836263736b6f626a2e6e756d65726963a661328102623130016a3432393439363732",
      "3934026162a26139f66161f562303161786a34323934393637323935015840ee9f2884a6640a1f3c",
      "79f4f4e2456d0517280edca2b6530fd57a2581f947628b9f69547aeaf4cc6527ff4859191f23abb4",
      "eddeeeb1ad2a1c2b6e0d3a74756202",
    ],
  ],
  [
    "obj.unicode",
    [
      "82588987015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "2158203c4de709778658661046314964df35b2dc01d083c84ebe82cb398362a1af76c4fb427a2373",
      "fce1e0000081836263736b6f626a2e756e69636f6465782468c3a96c6c6f2077c3b6726c6420e280",
      "9320e4b8ade6968720f09f998220efbbbf626f6d5840a0536801dcc93d4d877b4a373981c78bd543",
      "6c6f2a6bc27f74fc2f8b117ebe883dcb8aa6279db9a0412b01fa7522e91eeab753599216f51362fc",
      "1e121af75600",
    ],
  ],
  [
    "obj.deep",
    [
      "82588087015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "24582066cd9d1fef39d1e056d9d65f676357d34f879c0a164660d394259f1b51d0b45dfb427a2373",
      "fcee4000008183626373686f626a2e64656570818181818181818181818181818181818181818181",
      "81818181818181818181805840e53a1bff7de95194ce36f3e1ee7bba9af2f85e04866c2591ae728b",
      "e25e698207fc22d6161333df2d4909eb10198506fb63dfeeadc8ddb4e89505721658d3470a",
    ],
  ],
  [
    "config import (7 ops)",
    [
      "8258ea87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "295820d55effcb1ae8247f271a0ddf207f45a9ef4f195ed130bf71875aebce884f2705fb427a2373",
      "fcff80000087836263736a7365727665722e626967fb41f2a05f2000000083626373717365727665",
      "722e696e6e65722e666c6167f5836263736b7365727665722e6c69737483016374776ffb400c0000",
      "00000000836263736a7365727665722e6e656726836263736b7365727665722e706f7274191f9083",
      "6263736c7365727665722e726174696ffb3fd000000000000083626373657469746c656174584059",
      "078ec26411424b9bee47964d79c043b23e3f9de52f6cc389267f8b304f3e6275b940c0416de41cae",
      "4852de6169cee1198a0ce6c7f40453b0244a1aa6ce9807",
    ],
  ],
  [
    "device.add",
    [
      "8258be87015820fb7c73608963ebc27f10aa6e6df2dac7b68b09dc925c1a0022f195a145585f5601",
      "f6fb427a2373fc766000008183626461a6616e6567616d6d61616b58200773ea2b3c9ded0d3dc4dd",
      "9f05b5177a8f28641546658b3305727455cb4f5c44617758201e854147a35b21880cb1c66082c221",
      "8171edf734d0644d97b39b14d71722894561658061696d3130302e39382e39342e32333661700058",
      "20fb7c73608963ebc27f10aa6e6df2dac7b68b09dc925c1a0022f195a145585f5658407d787fbce0",
      "aa37299c77c88811b9c082be314133d55c87836fcc6f1484ce78ada14de33190224506d1af96b205",
      "7f3c1aae5697b0b2226b35ddb1150a46b0cd0b",
    ],
  ],
  [
    "pref.set",
    [
      "82586187015820f5a595cc15ecce59a9b887600086064a992bf47c23a510be15582ccd5091471f02",
      "58202474e8e075c7fd1ef72c582c76b08818c7734031bf780f861a47f1f91e47d48efb427a2373fd",
      "3050000081836270736666726f6d2d626379657358403029ea90fe6a0dcb366dde670d12a04040c5",
      "aed9b76cb8a30d0368d98ebfddbf0771db93712949af7cd71ea282fcd3fcdd4a673a42b97e70afd3",
      "2ff5f59afe06",
    ],
  ],
  [
    "config.unset",
    [
      "82585e87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "2a5820cd36e1eb3843bd6b92d0eb848c99025daac4c9ae19d9424da31bacbd60dc55cdfb427a2373",
      "fd02d000008182626375666e756d2e763058406e02e6b8fbf9817522758e70d84a365d79d1bbad26",
      "7811b82afae2e3cdf64e5a8ab477a030c57cee920100f52b91447faf1f6d5c6e974790744f240a31",
      "2f5704",
    ],
  ],
  [
    "pref.unset",
    [
      "82585d87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "2e58208e51b119552cbc6e8cda7297f4ff0b2b9dd30ed6299a50d18548f7051085b468fb427a2373",
      "fd104000008182627075657468656d6558400d3e68eb1113b9d7f135b9971ba76df80293f4f6a1eb",
      "b5a8335bcb0785d02c22da531a98087789743d2ab646bb56d80b4d27ed9abc1d4b6f9ca8332f3d23",
      "2c08",
    ],
  ],
  [
    "app.add",
    [
      "82585b87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "2f5820a5f74fc3112c54417257efcb25eba9ca8d9792f69943f410486a83de271bb486fb427a2373",
      "fd139000008182626161636769745840a06048bf22d68638225df3995bba6c5f87f97b7bcbca9bf2",
      "30bef55e1b6f223e0125e9b7493efc312f0b5a0f4c0fcc5461e01572d6f1f0b89e160c3428966a07",
    ],
  ],
  [
    "pattern.add",
    [
      "82586d87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "325820a30d7193b3070f416989d682983aff5fa380b1105b074b786b5375c45fc72c1afb427a2373",
      "fd1df000008183626f6163627965a2626964636279656474657874646369616f58406c284b963588",
      "1273476d82846881d861490cd8b0f19f721f83bde563b0af089fbdd23c88a8129b0f184d8bdd9c3e",
      "c005d575950efb75740c7ae971abc917060c",
    ],
  ],
  [
    "pattern.remove",
    [
      "82588187015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "33582068f8fb6bbf445052ca8a2e56ad1092112e382e0daf13531b838d86f1de9f8780fb427a2373",
      "fd216000008183626f726362796581825820696868cad437f715f41acefc2a072544915af4d1ea11",
      "404415383cfe697e5aa218325840fb1f14eb15550595778121a02236c80b33248b2550c1c697f64b",
      "bb1bdc1ea18cbba841b37828da95eef2df2ad08c7b97fb416e8690d742448fdf36885e6d0d08",
    ],
  ],
  [
    "device.update",
    [
      "82589987015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "3458202f51d08dcbd318b1359a6a801842401bfda761afc06cd7f5009535f446af04e8fb427a2373",
      "fd24e0000081836264755820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe",
      "697e5aa2a16165826f3132372e302e302e313a33313530386b5b3a3a315d3a33313530385840015e",
      "c34b9c3051c053b1860b9bffc7c230942382e37464d5b5a02ebb1b641d56b3af8bf44cc17aa9a81c",
      "d63655647aaad76614b43358129dec2ee0986e760a0d",
    ],
  ],
  [
    "device.revoke",
    [
      "82587a87015820696868cad437f715f41acefc2a072544915af4d1ea11404415383cfe697e5aa218",
      "375820a4f73b9e44ae7b9bf6d2fad6d9d2df83fb3366eb6dedfe75a3f0e27ce53cdc0afb427a2373",
      "fe6a90000081836264725820fb7c73608963ebc27f10aa6e6df2dac7b68b09dc925c1a0022f195a1",
      "45585f560058406446a97555139305b3973277fba8427da980c9ba1c728e478a84ec3c218548d9f0",
      "4ec8800f7ec225ab60cffda8c74f7cb24182728cb251e5ee135cb0d6d2ea02",
    ],
  ],
];

/** `mycel mesh card` of the same home. */
const CARD = "mycel-card-1:gli5hFggaWhoytQ39xX0Gs78KgclRJFa9NHqEUBEFTg8_ml-WqKmYW5lYWxwaGFha1g" +
  "g6uC8Xd3LUVRLsroWkWnuSNDzjwkkgmoh-4mnnK8EQxthd1ggBG_AIaaiIg-WW7RW6-xd-KPhx0rc-Gf" +
  "nKrY1jzF8cidhZYJvMTI3LjAuMC4xOjMxNTA4a1s6OjFdOjMxNTA4YWluMTAwLjExNi4yNi4yMjRhcAB" +
  "wZ252NjU2dW5xeGp5ZDY1cgFYQLn4Waz72RiOph1b8E924HomBso0JCqX2UaULph0Zrpk0Nujc8e6mLQ" +
  "ui-yCMeEFSjZBsve0CIabejyWS0PH0QI";

/** The value each single config.set vector carries. */
const CONFIG_VALUES: Record<string, unknown> = {
  "num.v4294967296": 2 ** 32,
  "num.v1099511627776": 2 ** 40,
  "num.vm65537": -65537,
  "num.vm2147483649": -(2 ** 31) - 1,
  "num.vm4294967296": -(2 ** 32),
  "num.vm4294967297": -(2 ** 32) - 1,
  "num.v0p5": 0.5,
  "num.v1e300": 1e300,
  "obj.numeric": {
    "2": [2],
    "10": 1,
    "4294967294": 2,
    b: { "9": null, a: true },
    "01": "x",
    "4294967295": 1,
  },
  "obj.unicode": "héllo wörld – 中文 🙂 \ufeffbom",
};

Deno.test("entries written through cbor-x decode, verify and re-encode to the same bytes", async () => {
  const seen = new Set<string>();
  for (const [label, parts] of ENTRIES) {
    const bytes = fromHex(parts.join(""));
    const e = decodeSignedEntry(bytes);
    assert.ok(await verifyEntrySignature(e), label);
    assert.equal(toHex(encodeCbor(decodeCbor(bytes, "entry"))), toHex(bytes), label);
    assert.equal(toHex(encodeCbor(decodeCbor(e.body, "body"))), toHex(e.body), label);
    for (const op of e.entry.ops) seen.add(op.type);
    const op = e.entry.ops[0];
    if (label in CONFIG_VALUES) {
      assert.ok(op.type === "config.set" && op.key === label, label);
      assert.deepStrictEqual(op.value, CONFIG_VALUES[label], label);
      if (label === "obj.numeric") {
        assert.deepEqual(Object.keys(op.value as object), [
          "2",
          "10",
          "4294967294",
          "b",
          "01",
          "4294967295",
        ]);
      }
    }
    if (label === "obj.deep") {
      let depth = 0;
      for (let v = op.type === "config.set" ? op.value : null; Array.isArray(v); v = v[0] ?? null) {
        depth++;
      }
      assert.equal(depth, 32, "the deepest JSON value mycel accepts");
    }
  }
  assert.equal(seen.size, 10, `every op type: ${[...seen].join(", ")}`);
});

Deno.test("a device card written through cbor-x decodes, verifies and re-encodes", async () => {
  const card = await decodeCard(CARD);
  assert.ok(card.mesh.length > 0 && card.members >= 1);
  const bytes = Uint8Array.fromBase64(CARD.slice(CARD.indexOf(":") + 1), { alphabet: "base64url" });
  const outer = decodeCbor(bytes, "card") as Uint8Array[];
  assert.equal(toHex(encodeCbor(outer)), toHex(bytes));
  assert.equal(toHex(encodeCbor(decodeCbor(outer[0], "card body"))), toHex(outer[0]));
});
