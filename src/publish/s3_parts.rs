//! Large files to object storage in parts (S3 multipart upload): one part of the file in
//! memory at a time, the file hashed as it is read, and the upload completed only when the
//! bytes sent are the ones the push state will record; otherwise it is aborted and the old
//! object stays. A multipart upload carries no precondition, so the condition is checked
//! with a HEAD first (a narrow race, against someone writing the same key in between).

use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, PutPayload};

use super::s3::{S3, read_part};
use super::target::{Condition, Failure, FailureKind, FromDisk, Put, Stored};

pub(super) fn upload(
    s3: &S3,
    put: &Put<'_>,
    file: &FromDisk<'_>,
) -> std::result::Result<Stored, Failure> {
    let parts = s3.parts(put)?;
    let what = parts.what.clone();
    let failure = |kind, answer: String| Failure {
        kind,
        request: what.clone(),
        answer,
        retry_after: None,
    };
    let remote = s3.run(parts.store.head(&parts.key));
    let remote_etag = match remote {
        Ok(meta) => Some(meta.e_tag),
        Err(object_store::Error::NotFound { .. }) => None,
        Err(e) => return Err(s3.fail(&format!("HEAD {}", &what[4..]), &e)),
    };
    let allowed = match (&put.condition, &remote_etag) {
        // S3 records never carry a date (`Unmodified`): every S3 answer has an ETag.
        (Condition::Any | Condition::Unmodified(_), _) | (Condition::Absent, None) => true,
        (Condition::Matches(want), Some(have)) => have.as_deref() == Some(want.as_str()),
        _ => false,
    };
    if !allowed {
        // An upload whose completion's answer was lost (a timeout, a killed run) left this
        // very file there, under an ETag the push state never learnt: recorded, not refused.
        if let Some(etag) = remote_etag.flatten()
            && multipart_etag(file).is_some_and(|mine| etag.trim_matches('"') == mine)
        {
            return Ok(Stored {
                etag: Some(etag),
                answer: "already there".into(),
                ..Stored::default()
            });
        }
        return Err(failure(
            FailureKind::Status(412),
            "412 Precondition Failed (the object there is not the one feedwright uploaded last)"
                .into(),
        ));
    }
    let mut reader = std::fs::File::open(file.path).map_err(|e| {
        failure(
            FailureKind::Changed,
            format!("cannot read {}: {e}", file.path.display()),
        )
    })?;
    let mut upload = s3
        .run(parts.store.put_multipart_opts(&parts.key, parts.opts))
        .map_err(|e| s3.fail(&what, &e))?;
    let mut hasher = blake3::Hasher::new();
    let mut sent = 0u64;
    loop {
        let chunk = match read_part(&mut reader) {
            Ok(c) => c,
            Err(e) => {
                let _ = s3.run(upload.abort());
                return Err(failure(
                    FailureKind::Changed,
                    format!("cannot read {}: {e}", file.path.display()),
                ));
            }
        };
        if chunk.is_empty() && sent > 0 {
            break;
        }
        hasher.update(&chunk);
        sent += chunk.len() as u64;
        let last = chunk.len() < super::s3::PART;
        if let Err(e) = s3.run(upload.put_part(PutPayload::from(chunk))) {
            let failed = s3.fail(&what, &e);
            let _ = s3.run(upload.abort());
            return Err(failed);
        }
        if last {
            break;
        }
    }
    if hasher.finalize().to_hex().as_str() != file.hash || sent != file.len {
        let _ = s3.run(upload.abort());
        return Err(failure(
            FailureKind::Changed,
            format!(
                "{} changed on disk while it was sent; the upload was abandoned",
                file.path.display()
            ),
        ));
    }
    finish(s3, &what, upload.as_mut())
}

/// The ETag S3 gives the file at `file` sent as this upload sends it: the MD5 of the parts'
/// MD5s, a `-` and their number. `None` when it cannot be read, or is not what was built.
fn multipart_etag(file: &FromDisk<'_>) -> Option<String> {
    use md5::Digest as _;
    let mut reader = std::fs::File::open(file.path).ok()?;
    let (mut digests, mut parts, mut hasher) = (md5::Md5::new(), 0usize, blake3::Hasher::new());
    loop {
        let chunk = read_part(&mut reader).ok()?;
        if chunk.is_empty() && parts > 0 {
            break;
        }
        hasher.update(&chunk);
        digests.update(md5::Md5::digest(&chunk));
        parts += 1;
        if chunk.len() < super::s3::PART {
            break;
        }
    }
    (hasher.finalize().to_hex().as_str() == file.hash).then_some(())?;
    let whole = digests.finalize();
    let hex: String = whole.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("{hex}-{parts}"))
}

fn finish(
    s3: &S3,
    what: &str,
    upload: &mut dyn MultipartUpload,
) -> std::result::Result<Stored, Failure> {
    match s3.run(upload.complete()) {
        Ok(r) => Ok(Stored {
            etag: r.e_tag,
            answer: "200 OK (multipart)".into(),
            ..Stored::default()
        }),
        Err(e) => {
            let failed = s3.fail(what, &e);
            let _ = s3.run(upload.abort());
            Err(failed)
        }
    }
}
