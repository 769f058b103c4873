#!/usr/bin/env node
/*
 * Independent Open Badges 3.0 issuer/verifier built on Digital Bazaar's
 * libraries (@digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite,
 * ed25519-multikey, ecdsa-multikey) and `jose`, used to cross-check the
 * Python implementation. Fully offline: JSON-LD contexts come from
 * schemas/contexts/ (index.json), did:key documents are derived from the key,
 * and every other DID / controller document must be given with --did-doc FILE.
 *
 * Usage (prints exactly one JSON object on stdout):
 *   node interop.mjs verify FILE [--did-doc DOC ...] [--now ISO-DATETIME]
 *   node interop.mjs issue OUTDIR
 *   node interop.mjs canonize FILE [--without-proof | --data-integrity]
 *
 * Exit codes: 0 the command ran (even if verified=false); 2 unusable input or
 * bad command line ({"error": ...} on stdout); 1 internal error.
 */
import {createHash, randomBytes, randomUUID} from 'node:crypto';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync} from 'node:zlib';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as base58btc from 'base58-universal';
import * as jose from 'jose';
import jsonld from 'jsonld';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXTS_DIR = resolve(HERE, '..', '..', 'schemas', 'contexts');

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const OB_303 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const MAX_CLOCK_SKEW = 300; // seconds, same default as @digitalbazaar/vc

const VM_RELATIONSHIPS = [
  'verificationMethod', 'assertionMethod', 'authentication',
  'capabilityInvocation', 'capabilityDelegation', 'keyAgreement', 'publicKey'
];

class UsageError extends Error {}

// ---------------------------------------------------------------- output --

function emit(obj, code = 0) {
  process.stdout.write(JSON.stringify(obj) + '\n');
  process.exitCode = code;
}

function errorMessages(err, out = []) {
  if(!err) {
    return out;
  }
  if(Array.isArray(err)) {
    err.forEach(e => errorMessages(e, out));
    return out;
  }
  if(Array.isArray(err.errors) && err.errors.length > 0) {
    // VerificationError / AggregateError wrap the real causes
    err.errors.forEach(e => errorMessages(e, out));
    if(err.message && err.name !== 'VerificationError' &&
      !(err instanceof AggregateError)) {
      out.push(err.message);
    }
    return out;
  }
  let msg = err.message || String(err);
  const event = err.details?.event;
  if(event) {
    // jsonld safe-mode events say what was dropped (undefined term, ...)
    const what = event.details ?
      JSON.stringify(event.details).slice(0, 300) : '';
    msg += ` [${event.code}: ${event.message}${what ? ' ' + what : ''}]`;
  }
  if(err.cause?.message) {
    msg += ` (${err.cause.message})`;
  }
  out.push(msg);
  return out;
}

const uniq = list => [...new Set(list)];

// ------------------------------------------------------- offline loading --

function loadContexts() {
  const index = JSON.parse(readFileSync(join(CONTEXTS_DIR, 'index.json'),
    'utf8'));
  const map = new Map();
  for(const [url, file] of Object.entries(index)) {
    map.set(url, join(CONTEXTS_DIR, file));
  }
  return map;
}

function readJsonFile(path, what) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch(e) {
    throw new UsageError(`cannot read ${what} ${path}: ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch(e) {
    throw new UsageError(`${what} ${path} is not JSON: ${e.message}`);
  }
}

// did:key: decode the multibase (base58btc) multicodec public key
function decodeMultikeyPublic(publicKeyMultibase) {
  if(typeof publicKeyMultibase !== 'string' ||
    !publicKeyMultibase.startsWith('z')) {
    throw new Error(
      `publicKeyMultibase "${publicKeyMultibase}" is not base58btc ("z...")`);
  }
  let bytes;
  try {
    bytes = base58btc.decode(publicKeyMultibase.slice(1));
  } catch(e) {
    throw new Error(`publicKeyMultibase "${publicKeyMultibase}" ` +
      `is not valid base58btc: ${e.message}`);
  }
  if(bytes.length === 34 && bytes[0] === 0xed && bytes[1] === 0x01) {
    return {keyType: 'Ed25519', raw: bytes.slice(2)};
  }
  if(bytes.length === 35 && bytes[0] === 0x80 && bytes[1] === 0x24) {
    return {keyType: 'P-256', raw: bytes.slice(2)};
  }
  throw new Error(`unsupported multikey "${publicKeyMultibase}" (only ` +
    'Ed25519 0xed01 and P-256 0x1200 public keys are supported)');
}

function didKeyDocument(did) {
  const m = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$/.exec(did);
  if(!m) {
    throw new Error(`malformed did:key "${did}"`);
  }
  const publicKeyMultibase = m[1];
  decodeMultikeyPublic(publicKeyMultibase); // validates the key type
  const vmId = `${did}#${publicKeyMultibase}`;
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [{
      id: vmId, type: 'Multikey', controller: did, publicKeyMultibase
    }],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityDelegation: [vmId],
    capabilityInvocation: [vmId]
  };
}

// make relative DID URLs ("#key-1") in a DID / controller document absolute
function normalizeControllerDocument(doc) {
  const base = doc.id;
  const abs = id => (typeof id === 'string' && id.startsWith('#')) ?
    base + id : id;
  const out = structuredClone(doc);
  for(const rel of VM_RELATIONSHIPS) {
    if(out[rel] === undefined) {
      continue;
    }
    const values = Array.isArray(out[rel]) ? out[rel] : [out[rel]];
    out[rel] = values.map(v => {
      if(typeof v === 'string') {
        return abs(v);
      }
      if(v && typeof v === 'object') {
        const vm = {...v, id: abs(v.id)};
        if(typeof vm.controller === 'string') {
          vm.controller = abs(vm.controller);
        }
        return vm;
      }
      return v;
    });
  }
  return out;
}

function findVerificationMethod(doc, url) {
  for(const rel of VM_RELATIONSHIPS) {
    const values = doc[rel] === undefined ? [] :
      (Array.isArray(doc[rel]) ? doc[rel] : [doc[rel]]);
    for(const v of values) {
      if(v && typeof v === 'object' && v.id === url) {
        return v;
      }
    }
  }
  return null;
}

function createResolver({didDocs = new Map()} = {}) {
  const contexts = loadContexts();
  const seen = new Set();

  function controllerDocument(base) {
    if(base.startsWith('did:key:')) {
      return didKeyDocument(base);
    }
    if(didDocs.has(base)) {
      return normalizeControllerDocument(didDocs.get(base));
    }
    return null;
  }

  // returns the document for a context URL, DID, DID URL or controller URL
  function dereference(url) {
    if(typeof url !== 'string') {
      throw new Error(`cannot load non-string URL ${JSON.stringify(url)}`);
    }
    seen.add(url);
    if(contexts.has(url)) {
      return JSON.parse(readFileSync(contexts.get(url), 'utf8'));
    }
    const hash = url.indexOf('#');
    const base = hash === -1 ? url : url.slice(0, hash);
    const doc = controllerDocument(base);
    if(!doc) {
      throw new Error(`offline document loader: no document for URL "${url}"` +
        (base.startsWith('did:') || base.startsWith('http') ?
          ' (pass its DID / controller document with --did-doc FILE)' : ''));
    }
    if(hash === -1) {
      return doc;
    }
    const vm = findVerificationMethod(doc, url);
    if(!vm) {
      throw new Error(`offline document loader: "${base}" has no ` +
        `verification method "${url}"`);
    }
    return {'@context': doc['@context'] ?? MULTIKEY_V1, ...vm};
  }

  async function documentLoader(url) {
    return {contextUrl: null, documentUrl: url, document: dereference(url)};
  }

  return {documentLoader, dereference, controllerDocument, seen};
}

// --------------------------------------------------------------- helpers --

function issuerId(credential) {
  const issuer = credential?.issuer;
  if(typeof issuer === 'string') {
    return issuer;
  }
  if(issuer && typeof issuer === 'object' && typeof issuer.id === 'string') {
    return issuer.id;
  }
  return undefined;
}

const asArray = v => v === undefined ? [] : (Array.isArray(v) ? v : [v]);

function checkValidityPeriod(credential, now, errors) {
  const nowMs = now.getTime();
  const skew = MAX_CLOCK_SKEW * 1000;
  for(const [prop, cmp] of [['validFrom', t => t - skew > nowMs],
    ['validUntil', t => t + skew < nowMs]]) {
    if(credential[prop] === undefined) {
      continue;
    }
    const t = Date.parse(credential[prop]);
    if(Number.isNaN(t)) {
      errors.push(`"${prop}" is not a date-time: ${credential[prop]}`);
    } else if(cmp(t)) {
      errors.push(prop === 'validFrom' ?
        `credential is not yet valid (validFrom ${credential[prop]})` :
        `credential has expired (validUntil ${credential[prop]})`);
    }
  }
}

// ---------------------------------------------------------------- verify --

async function verifyLdp({credential, resolver, now, depth = 0}) {
  const errors = [];
  const warnings = [];
  if(!credential || typeof credential !== 'object' ||
    Array.isArray(credential)) {
    throw new UsageError('credential JSON must be an object');
  }
  const proofs = asArray(credential.proof);
  if(proofs.length === 0) {
    return {verified: false, format: 'ldp', errors: ['credential has no proof'],
      warnings};
  }
  const supported = proofs.filter(p => p?.type === 'DataIntegrityProof' &&
    p?.cryptosuite === 'eddsa-rdfc-2022');
  if(supported.length === 0) {
    errors.push('no supported proof: only DataIntegrityProof with ' +
      'cryptosuite eddsa-rdfc-2022 is supported; found ' +
      proofs.map(p => `${p?.type}/${p?.cryptosuite ?? '-'}`).join(', '));
  }
  for(const p of supported) {
    const vmId = typeof p.verificationMethod === 'object' ?
      p.verificationMethod?.id : p.verificationMethod;
    if(typeof vmId === 'string' && vmId.startsWith('did:') &&
      !vmId.includes('#')) {
      errors.push(`proof verificationMethod "${vmId}" is a DID, not a DID ` +
        'URL identifying a verification method (no "#fragment"); it ' +
        'dereferences to the DID document');
    }
  }
  let statusChecked = null;
  const checkStatus = async () => {
    statusChecked = false;
    return {verified: true};
  };
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader: resolver.documentLoader,
    // CredentialIssuancePurpose is @digitalbazaar/vc's AssertionProofPurpose:
    // proofPurpose assertionMethod, VM authorized by its controller, and the
    // controller id must equal the credential issuer id
    purpose: new vc.CredentialIssuancePurpose(),
    checkStatus,
    now
  });
  if(!result.verified) {
    errors.push(...errorMessages(result.error));
    for(const r of result.results ?? []) {
      errors.push(...errorMessages(r.error));
      errors.push(...errorMessages(r.purposeResult?.error));
    }
    if(errors.length === 0) {
      errors.push('verification failed (no error reported by @digitalbazaar/vc)');
    }
  }
  if(credential.credentialStatus !== undefined && statusChecked === false) {
    warnings.push('credentialStatus present but NOT checked (interop ' +
      'verifier does not fetch status lists)');
  }
  const report = {verified: result.verified === true && errors.length === 0,
    format: 'ldp', errors: uniq(errors), warnings};
  if(depth === 0) {
    report.endorsements = await verifyEndorsements({credential, resolver, now});
  }
  return report;
}

// OB 3.0 endorsements (EndorsementCredential) embedded in the credential, its
// issuer Profile or its Achievement: each is verified on its own, with the
// endorser's key (CredentialIssuancePurpose: the key's controller must be the
// endorsement's issuer), and must endorse the object that carries it.
async function verifyEndorsements({credential, resolver, now}) {
  const holders = [credential, credential.issuer,
    credential.credentialSubject?.achievement].filter(
    h => h && typeof h === 'object' && !Array.isArray(h));
  const results = [];
  for(const holder of holders) {
    for(const endorsement of asArray(holder.endorsement)) {
      if(!endorsement || typeof endorsement !== 'object') {
        continue;
      }
      const r = await verifyLdp({credential: endorsement, resolver, now,
        depth: 1});
      const endorsed = endorsement.credentialSubject?.id;
      if(endorsed !== holder.id) {
        r.verified = false;
        r.errors.push(`endorses "${endorsed}", not "${holder.id}"`);
      }
      const issuer = endorsement.issuer;
      results.push({
        id: endorsement.id ?? null,
        issuer: typeof issuer === 'object' ? issuer?.id : issuer,
        issuer_name: typeof issuer === 'object' ? issuer?.name ?? null : null,
        verified: r.verified,
        errors: r.errors
      });
    }
  }
  return results;
}

const ALG_FOR_KEY = {
  'OKP/Ed25519': 'EdDSA',
  'EC/P-256': 'ES256',
  RSA: 'RS256'
};

// `jwkOnly`: the key must be published as a JWK (`publicKeyJwk`); no
// Multikey conversion (OB 3.0 §8.2.3: the kid "can be dereferenced to retrieve
// a JWK"; the 1EdTech validator's rule).
async function verificationMethodToJwk(vm, {jwkOnly = false} = {}) {
  if(jwkOnly && !vm.publicKeyJwk) {
    throw new Error(`verification method ${vm.id} publishes no publicKeyJwk ` +
      '(--jwk-only)');
  }
  if(vm.publicKeyJwk) {
    const jwk = {...vm.publicKeyJwk};
    if(jwk.d !== undefined || jwk.p !== undefined) {
      throw new Error(`verification method ${vm.id} publishes a private key`);
    }
    return jwk;
  }
  if(vm.publicKeyMultibase) {
    const {keyType, raw} = decodeMultikeyPublic(vm.publicKeyMultibase);
    if(keyType === 'Ed25519') {
      return {kty: 'OKP', crv: 'Ed25519', x: jose.base64url.encode(raw)};
    }
    const key = await EcdsaMultikey.from({
      '@context': MULTIKEY_V1, type: 'Multikey', id: vm.id,
      controller: vm.controller, publicKeyMultibase: vm.publicKeyMultibase
    });
    const jwk = await EcdsaMultikey.toJwk({keyPair: key});
    return {kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y};
  }
  throw new Error(`verification method ${vm.id} has neither publicKeyJwk ` +
    'nor publicKeyMultibase');
}

// The verification methods that may have signed a JWS: the one named by
// `kid` (a DID URL, or "#frag" relative to the issuer); without `kid`, the
// issuer's assertionMethod keys (those matching a header `jwk`, if any: a
// header key is never trusted on its own).
async function jwtKeyCandidates({header, unverifiedIssuer, resolver,
  warnings}) {
  let kid = header.kid;
  if(kid !== undefined) {
    if(typeof kid !== 'string' || kid === '') {
      throw new Error('"kid" is not a non-empty string');
    }
    if(kid.startsWith('#')) {
      if(!unverifiedIssuer) {
        throw new Error(`relative kid "${kid}" with no iss / issuer`);
      }
      kid = unverifiedIssuer + kid;
    }
    if(!kid.includes('#')) {
      throw new Error(`kid "${kid}" is not a DID URL with a fragment`);
    }
    return [resolver.dereference(kid)];
  }
  if(!unverifiedIssuer) {
    throw new Error('protected header has no "kid" and the payload names ' +
      'no issuer');
  }
  const controllerDoc = resolver.dereference(unverifiedIssuer);
  let candidates = asArray(controllerDoc.assertionMethod).map(v =>
    typeof v === 'string' ? resolver.dereference(v) : v);
  if(header.jwk !== undefined) {
    const wanted = await jose.calculateJwkThumbprint(header.jwk);
    const matching = [];
    for(const c of candidates) {
      try {
        const jwk = await verificationMethodToJwk(c);
        if(await jose.calculateJwkThumbprint(jwk) === wanted) {
          matching.push(c);
        }
      } catch{
        // not convertible: cannot match
      }
    }
    if(matching.length === 0) {
      throw new Error('header "jwk" is not an assertionMethod key of the ' +
        `issuer ${unverifiedIssuer}`);
    }
    candidates = matching;
    warnings.push('no "kid": key found by header "jwk" among the issuer\'s ' +
      'assertionMethod keys');
  } else {
    warnings.push('no "kid" and no "jwk" in the protected header: tried the ' +
      'issuer\'s assertionMethod keys');
  }
  if(candidates.length === 0) {
    throw new Error(`issuer ${unverifiedIssuer} has no assertionMethod keys`);
  }
  return candidates;
}

const REGISTERED_CLAIMS = ['iss', 'jti', 'sub', 'nbf', 'exp', 'iat'];
const numericDate = iso => Math.floor(Date.parse(iso) / 1000);

// OB 3.0 §8.2.4.1 / §8.2.6.1: each registered claim agrees with its credential
// property; iss, jti, nbf (and sub when the subject has an id) are required.
function checkRegisteredClaims(payload, credential, errors, {required}) {
  for(const name of ['nbf', 'exp', 'iat']) {
    if(payload[name] !== undefined && typeof payload[name] !== 'number') {
      errors.push(`"${name}" is not a NumericDate: ${JSON.stringify(payload[name])}`);
    }
  }
  const subjectIds = asArray(credential.credentialSubject)
    .map(s => s?.id).filter(Boolean);
  const counterparts = {
    iss: issuerId(credential),
    jti: credential.id,
    sub: subjectIds[0],
    nbf: credential.validFrom === undefined ? undefined :
      numericDate(credential.validFrom),
    exp: credential.validUntil === undefined ? undefined :
      numericDate(credential.validUntil)
  };
  for(const [claim, expected] of Object.entries(counterparts)) {
    if(payload[claim] === undefined) {
      if(required && expected !== undefined && claim !== 'exp') {
        errors.push(`"${claim}" claim is missing`);
      }
      continue;
    }
    const ok = claim === 'sub' ? subjectIds.includes(payload.sub) :
      (claim === 'nbf' || claim === 'exp') ?
        expected === undefined || Math.floor(payload[claim]) === expected :
        payload[claim] === expected;
    if(!ok) {
      errors.push(`"${claim}" (${payload[claim]}) != credential ` +
        `(${expected})`);
    }
  }
}

async function verifyJwt({jws, resolver, now, jwkOnly = false}) {
  const errors = [];
  const warnings = [];
  const fail = msg => {
    errors.push(msg);
    return {verified: false, format: 'jwt', errors: uniq(errors), warnings};
  };
  let header;
  let unverifiedPayload;
  try {
    header = jose.decodeProtectedHeader(jws);
  } catch(e) {
    throw new UsageError(`not a compact JWS: ${e.message}`);
  }
  try {
    unverifiedPayload = JSON.parse(new TextDecoder().decode(
      jose.base64url.decode(jws.split('.')[1])));
  } catch(e) {
    return fail(`JWS payload is not JSON: ${e.message}`);
  }
  const unverifiedIssuer = typeof unverifiedPayload?.iss === 'string' ?
    unverifiedPayload.iss :
    issuerId(unverifiedPayload?.vc ?? unverifiedPayload);

  // candidate verification methods (offline resolution)
  let candidates;
  try {
    candidates = await jwtKeyCandidates({header, unverifiedIssuer, resolver,
      warnings});
  } catch(e) {
    return fail(e.message);
  }

  let payload;
  let vm;
  for(const candidate of candidates) {
    const {id} = candidate;
    let jwk;
    try {
      if(typeof candidate.controller !== 'string') {
        throw new Error(`verification method ${id} has no controller`);
      }
      const controllerDoc = resolver.dereference(candidate.controller);
      const assertion = asArray(controllerDoc.assertionMethod)
        .map(v => typeof v === 'string' ? v : v?.id);
      if(!assertion.includes(id)) {
        throw new Error(`verification method ${id} is not authorized for ` +
          `assertionMethod by its controller ${candidate.controller}`);
      }
      jwk = await verificationMethodToJwk(candidate, {jwkOnly});
    } catch(e) {
      errors.push(e.message);
      continue;
    }
    const keyType = jwk.kty === 'RSA' ? 'RSA' : `${jwk.kty}/${jwk.crv}`;
    const alg = ALG_FOR_KEY[keyType];
    if(!alg) {
      errors.push(`unsupported key type ${keyType} for ${id}`);
      continue;
    }
    if(header.alg !== alg) {
      errors.push(`alg "${header.alg}" not allowed for the ${keyType} key ` +
        `${id} (only ${alg})`);
      continue;
    }
    try {
      const key = await jose.importJWK(jwk, alg);
      const {payload: bytes} = await jose.compactVerify(jws, key,
        {algorithms: [alg]});
      payload = JSON.parse(new TextDecoder().decode(bytes));
      vm = candidate;
      break;
    } catch(e) {
      errors.push(`JWS signature verification with ${id} failed: ${e.message}`);
    }
  }
  if(!vm) {
    return fail('no usable key verified the JWS signature');
  }
  // errors from candidates tried before the one that verified do not count
  errors.length = 0;

  let credential;
  const nowSec = Math.floor(now.getTime() / 1000);
  if(payload && typeof payload === 'object' && payload.vc !== undefined) {
    // OB 3.0 "JSON Web Token Proof Format" (VC-JWT with the `vc` claim)
    credential = payload.vc;
    if(!credential || typeof credential !== 'object') {
      return fail('"vc" claim is not an object');
    }
    const iss = issuerId(credential);
    if(payload.iss === undefined) {
      errors.push('VC-JWT has no "iss" claim');
    } else if(payload.iss !== iss) {
      errors.push(`"iss" (${payload.iss}) != credential issuer id (${iss})`);
    }
    if(payload.jti !== undefined && payload.jti !== credential.id) {
      errors.push(`"jti" (${payload.jti}) != credential id (${credential.id})`);
    }
    const subjectIds = asArray(credential.credentialSubject)
      .map(s => s?.id).filter(Boolean);
    if(payload.sub !== undefined && !subjectIds.includes(payload.sub)) {
      errors.push(`"sub" (${payload.sub}) != credentialSubject id`);
    }
    if(typeof payload.nbf === 'number' && payload.nbf - MAX_CLOCK_SKEW >
      nowSec) {
      errors.push(`JWT not yet valid (nbf ${payload.nbf})`);
    }
    if(typeof payload.exp === 'number' && payload.exp + MAX_CLOCK_SKEW <
      nowSec) {
      errors.push(`JWT has expired (exp ${payload.exp})`);
    }
  } else if(payload && typeof payload === 'object' &&
    payload['@context'] !== undefined && header.typ === 'JWT') {
    // OB 3.0 §8.2.4.1 (current text): the payload is the credential's own
    // object with the registered claims beside its properties
    credential = Object.fromEntries(Object.entries(payload)
      .filter(([k]) => !REGISTERED_CLAIMS.includes(k)));
    checkRegisteredClaims(payload, credential, errors, {required: true});
    const nowSecOb = Math.floor(now.getTime() / 1000);
    if(typeof payload.exp === 'number' &&
      payload.exp + MAX_CLOCK_SKEW < nowSecOb) {
      errors.push(`JWT has expired (exp ${payload.exp})`);
    }
  } else if(payload && typeof payload === 'object' &&
    payload['@context'] !== undefined) {
    // W3C VC-JOSE-COSE: the payload is the credential itself
    credential = payload;
    if(header.typ !== 'vc+jwt') {
      if(header.typ === 'vc+ld+jwt') {
        warnings.push('typ "vc+ld+jwt" is the pre-2024 draft value; ' +
          'VC-JOSE-COSE uses "vc+jwt"');
      } else {
        errors.push(`VC-JOSE payload but typ is ${JSON.stringify(
          header.typ)} (expected "vc+jwt")`);
      }
    }
    if(payload.iss !== undefined && payload.iss !== issuerId(credential)) {
      errors.push(`"iss" (${payload.iss}) != credential issuer id ` +
        `(${issuerId(credential)})`);
    }
    if(credential.proof !== undefined) {
      warnings.push('VC-JOSE payload carries an embedded "proof" (ignored)');
    }
  } else {
    return fail('JWS payload is neither a VC-JWT ("vc" claim) nor a ' +
      'VC-JOSE-COSE credential ("@context")');
  }

  const iss = issuerId(credential);
  if(!iss) {
    errors.push('credential has no issuer id');
  } else if(vm.controller !== iss) {
    errors.push(`key controller ${vm.controller} != credential issuer ` +
      `id ${iss}`);
  }
  const types = asArray(credential.type);
  if(!types.includes('VerifiableCredential')) {
    errors.push('credential "type" does not include VerifiableCredential');
  }
  checkValidityPeriod(credential, now, errors);
  if(credential.credentialStatus !== undefined) {
    warnings.push('credentialStatus present but NOT checked (interop ' +
      'verifier does not fetch status lists)');
  }
  return {verified: errors.length === 0, format: 'jwt', errors: uniq(errors),
    warnings};
}

function loadDidDocs(didDocFiles) {
  const didDocs = new Map();
  for(const file of didDocFiles ?? []) {
    const doc = readJsonFile(file, '--did-doc');
    if(!doc || typeof doc.id !== 'string') {
      throw new UsageError(`--did-doc ${file} has no string "id"`);
    }
    // did:key is always derived from the key itself; a file cannot override it
    if(!doc.id.startsWith('did:key:')) {
      didDocs.set(doc.id, doc);
    }
  }
  return didDocs;
}

// ---------------------------------------------------------------- status --

// Bitstring Status List §3.2 on a list credential given as a file (JSON-LD
// with a DataIntegrityProof, or a VC-JOSE compact JWS): verify it, then read
// the bit at --index (gzip + multibase base64url, §4.1). Prints
// {"verified", "format", "errors", "entries", "set"}.
async function cmdStatus(args) {
  const {positional, didDocFiles, index, jwkOnly} = parseArgs(args, {
    '--did-doc': 'didDocFiles*', '--index': 'index', '--jwk-only': 'jwkOnly!'});
  if(positional.length !== 1 || index === undefined) {
    throw new UsageError('usage: status LIST_FILE --index N [--did-doc DOC ...] ' +
      '[--jwk-only]');
  }
  const resolver = createResolver({didDocs: loadDidDocs(didDocFiles)});
  const text = readFileSync(positional[0], 'utf8').trim();
  let result;
  let credential;
  if(text.startsWith('{')) {
    credential = JSON.parse(text);
    result = await verifyLdp({credential, resolver, now: new Date()});
  } else {
    result = await verifyJwt({jws: text, resolver, now: new Date(), jwkOnly});
    credential = JSON.parse(new TextDecoder().decode(
      jose.base64url.decode(text.split('.')[1])));
  }
  const types = asArray(credential.type);
  if(!types.includes('BitstringStatusListCredential')) {
    result.errors.push('not a BitstringStatusListCredential');
  }
  const encoded = credential.credentialSubject?.encodedList ?? '';
  if(!encoded.startsWith('u')) {
    throw new UsageError('encodedList is not multibase base64url');
  }
  const bits = gunzipSync(jose.base64url.decode(encoded.slice(1)));
  const i = Number(index);
  const set = (bits[Math.floor(i / 8)] & (0x80 >> (i % 8))) !== 0;
  return {verified: result.errors.length === 0 && result.verified,
    format: result.format, errors: result.errors, entries: bits.length * 8,
    set};
}

async function cmdVerify(args) {
  const {positional, didDocFiles, now, jwkOnly} = parseArgs(args, {
    '--did-doc': 'didDocFiles*', '--now': 'now', '--jwk-only': 'jwkOnly!'});
  if(positional.length !== 1) {
    throw new UsageError('usage: verify FILE [--did-doc DOC ...] [--now ISO] ' +
      '[--jwk-only]');
  }
  const didDocs = loadDidDocs(didDocFiles);
  let nowDate = new Date();
  if(now !== undefined) {
    nowDate = new Date(now);
    if(Number.isNaN(nowDate.getTime())) {
      throw new UsageError(`--now ${now} is not a date-time`);
    }
  }
  const resolver = createResolver({didDocs});
  let text;
  try {
    text = readFileSync(positional[0], 'utf8');
  } catch(e) {
    throw new UsageError(`cannot read ${positional[0]}: ${e.message}`);
  }
  let parsed;
  let isJson = true;
  try {
    parsed = JSON.parse(text);
  } catch{
    isJson = false;
  }
  if(isJson && typeof parsed === 'string') {
    // a JSON string holding a compact JWS
    text = parsed;
    isJson = false;
  }
  if(!isJson) {
    const jws = text.trim();
    if(!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/.test(jws)) {
      throw new UsageError(`${positional[0]} is neither JSON nor a compact JWS`);
    }
    return verifyJwt({jws, resolver, now: nowDate, jwkOnly: jwkOnly === true});
  }
  return verifyLdp({credential: parsed, resolver, now: nowDate});
}

// ----------------------------------------------------------------- issue --

const secondsIso = d => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

async function cmdIssue(args) {
  const {positional} = parseArgs(args, {});
  if(positional.length !== 1) {
    throw new UsageError('usage: issue OUTDIR');
  }
  const outdir = resolve(positional[0]);
  mkdirSync(outdir, {recursive: true});
  const resolver = createResolver();

  // Ed25519 issuer: did:key:z6Mk...
  const generated = await Ed25519Multikey.generate();
  const edMultibase = generated.publicKeyMultibase;
  const edDid = `did:key:${edMultibase}`;
  const edVmId = `${edDid}#${edMultibase}`;
  const edKey = await Ed25519Multikey.from({
    '@context': MULTIKEY_V1, type: 'Multikey', id: edVmId, controller: edDid,
    publicKeyMultibase: edMultibase,
    secretKeyMultibase: generated.secretKeyMultibase
  });
  const edDidDoc = didKeyDocument(edDid);

  // identity of the recipient: hashed, salted email (OB 3.0 IdentityObject)
  const email = `learner-${randomUUID().slice(0, 8)}@example.org`;
  const salt = randomBytes(8).toString('hex');
  const identityHash = 'sha256$' +
    createHash('sha256').update(email + salt, 'utf8').digest('hex');
  const now = new Date();
  const validFrom = secondsIso(now);

  const makeCredential = ({issuerDid, issuerName}) => ({
    '@context': [VC_V2, OB_303],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'AchievementCredential'],
    name: 'Interop Test Badge',
    issuer: {id: issuerDid, type: ['Profile'], name: issuerName},
    validFrom,
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [{
        type: 'IdentityObject',
        identityHash,
        identityType: 'emailAddress',
        hashed: true,
        salt
      }],
      achievement: {
        id: 'https://example.org/achievements/interop-test',
        type: ['Achievement'],
        name: 'Interop Test Achievement',
        description: 'Awarded by the Node interop issuer to check that ' +
          'independent implementations agree.',
        criteria: {
          narrative: 'Be a credential produced by tests/interop/interop.mjs.'
        }
      }
    }
  });

  const credential = makeCredential(
    {issuerDid: edDid, issuerName: 'Interop Test Issuer (Node, Ed25519)'});

  // 1. JSON-LD + DataIntegrityProof eddsa-rdfc-2022
  const suite = new DataIntegrityProof({
    signer: edKey.signer(), cryptosuite: eddsaRdfc2022
  });
  const signed = await vc.issue({
    credential: structuredClone(credential), suite,
    documentLoader: resolver.documentLoader
  });

  // 2. VC-JOSE (typ vc+jwt): the unsecured credential is the JWS payload
  const {secretKey: edSeed} = await edKey.export(
    {publicKey: false, secretKey: true, raw: true, canonicalize: true});
  const edJwk = {
    kty: 'OKP', crv: 'Ed25519',
    x: jose.base64url.encode(decodeMultikeyPublic(edMultibase).raw),
    d: jose.base64url.encode(edSeed)
  };
  const edPrivate = await jose.importJWK(edJwk, 'EdDSA');
  const vcJose = await new jose.CompactSign(
    new TextEncoder().encode(JSON.stringify(credential)))
    .setProtectedHeader({alg: 'EdDSA', kid: edVmId, typ: 'vc+jwt', cty: 'vc'})
    .sign(edPrivate);

  // 3. P-256 issuer did:key:zDn..., OB 3.0 VC-JWT (vc claim) signed ES256
  const p256 = await EcdsaMultikey.generate({curve: 'P-256'});
  const p256Multibase = (await p256.export({publicKey: true}))
    .publicKeyMultibase;
  const p256Did = `did:key:${p256Multibase}`;
  const p256VmId = `${p256Did}#${p256Multibase}`;
  const p256Jwk = await EcdsaMultikey.toJwk({keyPair: p256, secretKey: true});
  const p256Private = await jose.importJWK(
    {kty: 'EC', crv: 'P-256', x: p256Jwk.x, y: p256Jwk.y, d: p256Jwk.d},
    'ES256');
  const esCredential = makeCredential(
    {issuerDid: p256Did, issuerName: 'Interop Test Issuer (Node, P-256)'});
  const vcJwtPayload = {
    iss: p256Did,
    jti: esCredential.id,
    nbf: Math.floor(Date.parse(esCredential.validFrom) / 1000),
    vc: esCredential
  };
  const vcJwt = await new jose.CompactSign(
    new TextEncoder().encode(JSON.stringify(vcJwtPayload)))
    .setProtectedHeader({alg: 'ES256', kid: p256VmId, typ: 'JWT'})
    .sign(p256Private);

  const files = {
    did: 'did.json',
    didP256: 'did-p256.json',
    credentialLdp: 'credential-ldp.json',
    credentialJwt: 'credential-jwt.txt',
    credentialVcJwtEs256: 'credential-vcjwt-es256.txt',
    manifest: 'manifest.json'
  };
  const manifest = {
    generator: 'tests/interop/interop.mjs',
    created: validFrom,
    files,
    dids: {
      ed25519: {did: edDid, verificationMethod: edVmId,
        publicKeyMultibase: edMultibase},
      p256: {did: p256Did, verificationMethod: p256VmId,
        publicKeyMultibase: p256Multibase}
    },
    credentials: {
      credentialLdp: {id: credential.id, issuer: edDid, format: 'ldp',
        proof: 'DataIntegrityProof eddsa-rdfc-2022'},
      credentialJwt: {id: credential.id, issuer: edDid, format: 'jwt',
        securing: 'VC-JOSE-COSE compact JWS, alg EdDSA, typ vc+jwt'},
      credentialVcJwtEs256: {id: esCredential.id, issuer: p256Did,
        format: 'jwt',
        securing: 'OB 3.0 VC-JWT (vc claim), alg ES256, typ JWT'}
    },
    recipient: {email, salt, identityHash, identityType: 'emailAddress'}
  };
  const outputs = [
    [files.did, JSON.stringify(edDidDoc, null, 2) + '\n'],
    [files.didP256, JSON.stringify(didKeyDocument(p256Did), null, 2) + '\n'],
    [files.credentialLdp, JSON.stringify(signed, null, 2) + '\n'],
    [files.credentialJwt, vcJose + '\n'],
    [files.credentialVcJwtEs256, vcJwt + '\n'],
    [files.manifest, JSON.stringify(manifest, null, 2) + '\n']
  ];
  const written = [];
  for(const [name, content] of outputs) {
    const path = join(outdir, name);
    writeFileSync(path, content);
    written.push(path);
  }
  return {written};
}

// -------------------------------------------------------------- canonize --

async function cmdCanonize(args) {
  const {positional, withoutProof, dataIntegrity} = parseArgs(args, {
    '--without-proof': 'withoutProof!', '--data-integrity': 'dataIntegrity!'});
  if(positional.length !== 1) {
    throw new UsageError(
      'usage: canonize FILE [--without-proof | --data-integrity]');
  }
  const doc = readJsonFile(positional[0], 'FILE');
  if(!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UsageError('FILE must hold a JSON object');
  }
  const resolver = createResolver();
  const canon = input => jsonld.canonize(input, {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    documentLoader: resolver.documentLoader,
    safe: true,
    base: null
  });
  const run = async () => {
    if(!withoutProof && !dataIntegrity) {
      return {nquads: await canon(doc)};
    }
    const {proof, ...unsecured} = doc;
    const result = {nquads: await canon(unsecured)};
    if(dataIntegrity) {
      // proof configuration as in Data Integrity: the proof without
      // proofValue, with the document's @context
      result.proofNquads = [];
      for(const p of asArray(proof)) {
        const {proofValue, ...options} = p;
        result.proofNquads.push(
          await canon({'@context': doc['@context'], ...options}));
      }
    }
    return result;
  };
  try {
    return await run();
  } catch(e) {
    throw new UsageError(`canonicalization failed: ${
      errorMessages(e).join('; ')}`);
  }
}

// ----------------------------------------------------------------- bench --

// The peer figure for bench/bench_verify.py: the same JSON-LD credential (did:key issuer)
// verified N times after a warm-up, with every loaded document cached as a server would,
// reporting CPU and wall milliseconds per whole verification.
async function cmdBench(args) {
  const {positional, iterations} = parseArgs(args, {'--iterations': 'iterations'});
  if(positional.length !== 1) {
    throw new UsageError('usage: bench FILE [--iterations N]');
  }
  const credential = readJsonFile(positional[0], 'credential');
  const count = Number(iterations ?? 200);
  const base = createResolver();
  const cache = new Map();
  const resolver = {...base, documentLoader: async url => {
    if(!cache.has(url)) {
      cache.set(url, await base.documentLoader(url));
    }
    return structuredClone(cache.get(url));
  }};
  const now = new Date();
  const first = await verifyLdp({credential: structuredClone(credential), resolver, now});
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for(let i = 0; i < count; i++) {
    await verifyLdp({credential: structuredClone(credential), resolver, now});
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return {
    verified: first.verified, iterations: count,
    cpu_ms_per_verify: (used.user + used.system) / 1000 / count,
    wall_ms_per_verify: wallMs / count
  };
}

// ------------------------------------------------------------------- cli --

function parseArgs(args, spec) {
  const out = {positional: []};
  for(let i = 0; i < args.length; i++) {
    const a = args[i];
    if(!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const target = spec[a];
    if(!target) {
      throw new UsageError(`unknown option ${a}`);
    }
    if(target.endsWith('!')) {
      out[target.slice(0, -1)] = true;
      continue;
    }
    if(i + 1 >= args.length) {
      throw new UsageError(`option ${a} needs a value`);
    }
    const value = args[++i];
    if(target.endsWith('*')) {
      const key = target.slice(0, -1);
      (out[key] ??= []).push(value);
    } else {
      out[target] = value;
    }
  }
  return out;
}

const COMMANDS = {
  verify: cmdVerify, issue: cmdIssue, canonize: cmdCanonize, bench: cmdBench,
  status: cmdStatus
};

async function main(argv) {
  const [command, ...rest] = argv;
  try {
    const fn = COMMANDS[command];
    if(!fn) {
      throw new UsageError(`unknown command ${JSON.stringify(command)}; ` +
        'usage: interop.mjs verify FILE [--did-doc DOC ...] [--now ISO] ' +
        '[--jwk-only] | status LIST_FILE --index N [--did-doc DOC ...] | ' +
        'issue OUTDIR | canonize FILE [--without-proof | --data-integrity]');
    }
    emit(await fn(rest), 0);
  } catch(e) {
    if(e instanceof UsageError) {
      emit({error: e.message}, 2);
    } else {
      process.stderr.write((e?.stack ?? String(e)) + '\n');
      emit({error: `internal error: ${e?.message ?? e}`}, 1);
    }
  }
}

await main(process.argv.slice(2));
