//! Over 600 lines: the trait is the whole `descriptor` interface, implemented here in full,
//! most of it delegating to wasmtime-wasi unchanged.
//!
//! The `wasi:filesystem/types` a plugin sees: wasmtime-wasi's own implementation, with the
//! rules of [`super::write_policy`] applied to every operation that changes what is at a path.
//! Each rule is checked against the directory the operation really happens in (an opened
//! descriptor, named by the kernel through `/proc/self/fd`), never against the path the guest
//! wrote, so `..`, links and renames cannot get around it. Links in the last name of a write are
//! followed here, one at a time, and the final open follows none.
//!
//! Plugins without write grants get the unmodified implementation.

use super::write_policy::{Refusal, WritePolicy};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use wasmtime::component::{HasData, Resource};
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemCtxView};
use wasmtime_wasi::p2::bindings::filesystem::types::{
    self, ErrorCode, HostDescriptor, HostDirectoryEntryStream,
};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream};
use wasmtime_wasi::p2::{FsError, FsResult};

/// Links followed while resolving the last component of a write, as the kernel's own limit.
const MAX_LINK_HOPS: usize = 40;

/// Implements `HasData` for the guarded `wasi:filesystem/types`.
pub struct GuardedFilesystem;

impl HasData for GuardedFilesystem {
    type Data<'a> = GuardedView<'a>;
}

pub struct GuardedView<'a> {
    pub inner: WasiFilesystemCtxView<'a>,
    pub policy: &'a WritePolicy,
    /// Refusal lines logged so far by this instance (paths outside the grants, see
    /// [`super::hidden_root`], and write-policy refusals), at most
    /// [`super::hidden_root::LINES_PER_INSTANCE`].
    pub hidden_lines: &'a mut u32,
    /// Check what an open for reading reached against [`super::host_places`].
    pub guard_host_places: bool,
}

/// The directory an operation on `name` really happens in.
struct Parent {
    /// A descriptor of it: the guest's own, or one opened here (in `opened`, closed after).
    dir: u32,
    opened: Vec<Resource<Descriptor>>,
    /// Its path, as the kernel names the opened directory.
    real: PathBuf,
    name: String,
}

impl Parent {
    fn dir(&self) -> Resource<Descriptor> {
        Resource::new_borrow(self.dir)
    }

    fn target(&self) -> PathBuf {
        self.real.join(&self.name)
    }
}

fn refused(code: ErrorCode) -> FsError {
    code.into()
}

/// `path` split into the directory part and the last name; `None` for `.`, `..` or nothing
/// as the last name, which no write here needs.
fn split(path: &str) -> Option<(&str, &str)> {
    let trimmed = path.trim_end_matches('/');
    let (dir, name) = match trimmed.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((dir, name)) => (dir, name),
        None => (".", trimmed),
    };
    (!matches!(name, "" | "." | "..")).then_some((dir, name))
}

impl GuardedView<'_> {
    /// Open the directory `path` lives in (from `fd`, as the guest would) and name it.
    /// A change in the empty `/` (a path no grant covers) is refused as outside the grants.
    async fn parent(&mut self, fd: &Resource<Descriptor>, path: &str) -> FsResult<Parent> {
        let rep = fd.rep();
        let mut parent = Parent {
            dir: fd.rep(),
            opened: Vec::new(),
            real: PathBuf::new(),
            name: String::new(),
        };
        match self.enter(&mut parent, path).await {
            Ok(()) if super::hidden_root::is_hidden_root(&parent.real) => {
                self.close(parent);
                Err(self
                    .outside_grants(rep, path)
                    .unwrap_or_else(|| refused(ErrorCode::Access)))
            }
            Ok(()) => Ok(parent),
            Err(err) => {
                self.close(parent);
                Err(self.outside_grants(rep, path).unwrap_or(err))
            }
        }
    }

    /// Move `parent` to the directory of `path` (relative to where it is now).
    async fn enter(&mut self, parent: &mut Parent, path: &str) -> FsResult<()> {
        let (dir, name) = split(path).ok_or_else(|| refused(ErrorCode::Invalid))?;
        if dir != "." {
            let opened = HostDescriptor::open_at(
                &mut self.inner,
                parent.dir(),
                types::PathFlags::SYMLINK_FOLLOW,
                dir.to_owned(),
                types::OpenFlags::DIRECTORY,
                types::DescriptorFlags::READ,
            )
            .await?;
            parent.dir = opened.rep();
            parent.opened.push(opened);
        }
        parent.real = self.real_path(parent.dir)?;
        parent.name = name.to_owned();
        Ok(())
    }

    /// The kernel's name for an open directory. Without `/proc` nothing is written.
    fn real_path(&mut self, rep: u32) -> FsResult<PathBuf> {
        let fd: Resource<Descriptor> = Resource::new_borrow(rep);
        let Descriptor::Dir(dir) = self.inner.table.get(&fd)? else {
            return Err(refused(ErrorCode::NotDirectory));
        };
        std::fs::read_link(format!("/proc/self/fd/{}", dir.dir.as_raw_fd()))
            .map_err(|_| refused(ErrorCode::NotPermitted))
    }

    fn close(&mut self, parent: Parent) {
        for opened in parent.opened {
            let _ = self.inner.table.delete(opened);
        }
    }

    /// Follow `parent.name` while it is a link (as an open that follows links would), so that
    /// the final open does not follow anything and checks the place it really writes.
    async fn follow_links(&mut self, parent: &mut Parent) -> FsResult<()> {
        for _ in 0..MAX_LINK_HOPS {
            let stat = HostDescriptor::stat_at(
                &mut self.inner,
                parent.dir(),
                types::PathFlags::empty(),
                parent.name.clone(),
            )
            .await;
            match stat {
                Ok(stat) if stat.type_ == types::DescriptorType::SymbolicLink => {
                    let target = HostDescriptor::readlink_at(
                        &mut self.inner,
                        parent.dir(),
                        parent.name.clone(),
                    )
                    .await?;
                    if Path::new(&target).is_absolute() {
                        return Err(refused(ErrorCode::NotPermitted));
                    }
                    self.enter(parent, &target).await?;
                }
                _ => return Ok(()),
            }
        }
        Err(refused(ErrorCode::Loop))
    }

    /// A failed open in the empty `/` (a path no grant covers): refused as the sandbox's, with
    /// a line in the log naming the grant. `None` for any other failure, which stays as it is.
    fn outside_grants(&mut self, dir: u32, path: &str) -> Option<FsError> {
        let real = self.real_path(dir).ok()?;
        if !super::hidden_root::is_hidden_root(&real) {
            return None;
        }
        if *self.hidden_lines < super::hidden_root::LINES_PER_INSTANCE {
            *self.hidden_lines += 1;
            self.policy.warn(&super::hidden_root::denial_line(path));
        }
        Some(refused(ErrorCode::Access))
    }

    /// What an open reached, unless it is inside fasthooks' own directories: then it is closed
    /// and refused (the kernel names what was opened, whatever links or `..` led there).
    fn outside_host_places(
        &mut self,
        opened: Resource<Descriptor>,
    ) -> FsResult<Resource<Descriptor>> {
        let fd = match self.inner.table.get(&opened)? {
            Descriptor::File(file) => file.file.as_raw_fd(),
            Descriptor::Dir(dir) => dir.dir.as_raw_fd(),
        };
        let Ok(real) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else {
            let _ = self.inner.table.delete(opened);
            return Err(refused(ErrorCode::Access));
        };
        let Some(place) = super::host_places::containing(&real) else {
            return Ok(opened);
        };
        let _ = self.inner.table.delete(opened);
        self.log(&Refusal::HostPlace {
            path: real,
            place: place.to_path_buf(),
        });
        Err(refused(ErrorCode::Access))
    }

    /// Log a refusal, within the instance's bound: a plugin refused in a loop cannot flood the log.
    fn log(&mut self, refusal: &Refusal) {
        if *self.hidden_lines < super::hidden_root::LINES_PER_INSTANCE {
            *self.hidden_lines += 1;
            self.policy.log(refusal);
        }
    }

    fn check(&mut self, result: Result<(), Refusal>) -> FsResult<()> {
        result.map_err(|refusal| {
            self.log(&refusal);
            refused(match refusal {
                Refusal::ReadOnlyPlace(_) => ErrorCode::ReadOnly,
                Refusal::HostPlace { .. } => ErrorCode::Access,
                Refusal::OutsideWriteGrants(_) | Refusal::LinkLeaves { .. } => {
                    ErrorCode::NotPermitted
                }
            })
        })
    }

    /// The parent of a path about to be written, checked.
    async fn writable_parent(&mut self, fd: &Resource<Descriptor>, path: &str) -> FsResult<Parent> {
        let parent = self.parent(fd, path).await?;
        match self.check(self.policy.check_write(&parent.target())) {
            Ok(()) => Ok(parent),
            Err(err) => {
                self.close(parent);
                Err(err)
            }
        }
    }

    /// The checked open of a write: links in the last name are followed here, one at a time,
    /// and the place they lead to is what is checked and opened (without following anything).
    async fn open_for_writing(
        &mut self,
        parent: &mut Parent,
        path_flags: types::PathFlags,
        oflags: types::OpenFlags,
        flags: types::DescriptorFlags,
    ) -> FsResult<Resource<Descriptor>> {
        if path_flags.contains(types::PathFlags::SYMLINK_FOLLOW) {
            self.follow_links(parent).await?;
        }
        self.check(self.policy.check_write(&parent.target()))?;
        HostDescriptor::open_at(
            &mut self.inner,
            parent.dir(),
            path_flags & !types::PathFlags::SYMLINK_FOLLOW,
            parent.name.clone(),
            oflags,
            flags,
        )
        .await
    }

    /// The two checked parents of an operation from one path to another (rename, link).
    async fn writable_pair(
        &mut self,
        old_fd: &Resource<Descriptor>,
        old_path: &str,
        new_fd: &Resource<Descriptor>,
        new_path: &str,
    ) -> FsResult<(Parent, Parent)> {
        let old = self.writable_parent(old_fd, old_path).await?;
        match self.writable_parent(new_fd, new_path).await {
            Ok(new) => Ok((old, new)),
            Err(err) => {
                self.close(old);
                Err(err)
            }
        }
    }

    /// Refuse a link as the last name of an operation that would follow it.
    async fn not_a_link(&mut self, parent: &Parent) -> FsResult<()> {
        let stat = HostDescriptor::stat_at(
            &mut self.inner,
            parent.dir(),
            types::PathFlags::empty(),
            parent.name.clone(),
        )
        .await;
        match stat {
            Ok(stat) if stat.type_ == types::DescriptorType::SymbolicLink => {
                Err(refused(ErrorCode::NotPermitted))
            }
            _ => Ok(()),
        }
    }
}

/// The operations that change one name in a directory and nothing else.
#[derive(Clone, Copy)]
enum PathChange {
    CreateDirectory,
    RemoveDirectory,
    UnlinkFile,
}

impl GuardedView<'_> {
    /// `change` at `path` from `fd`, checked when the policy is active.
    async fn change_at(
        &mut self,
        change: PathChange,
        fd: Resource<Descriptor>,
        path: String,
    ) -> FsResult<()> {
        if !self.policy.active() {
            return self.unchecked_change(change, fd, path).await;
        }
        let parent = self.writable_parent(&fd, &path).await?;
        let result = self
            .unchecked_change(change, parent.dir(), parent.name.clone())
            .await;
        self.close(parent);
        result
    }

    async fn unchecked_change(
        &mut self,
        change: PathChange,
        fd: Resource<Descriptor>,
        path: String,
    ) -> FsResult<()> {
        let inner = &mut self.inner;
        match change {
            PathChange::CreateDirectory => {
                HostDescriptor::create_directory_at(inner, fd, path).await
            }
            PathChange::RemoveDirectory => {
                HostDescriptor::remove_directory_at(inner, fd, path).await
            }
            PathChange::UnlinkFile => HostDescriptor::unlink_file_at(inner, fd, path).await,
        }
    }
}

fn writes(oflags: types::OpenFlags, flags: types::DescriptorFlags) -> bool {
    oflags.intersects(
        types::OpenFlags::CREATE | types::OpenFlags::TRUNCATE | types::OpenFlags::EXCLUSIVE,
    ) || flags.contains(types::DescriptorFlags::WRITE)
}

impl types::Host for GuardedView<'_> {
    fn convert_error_code(&mut self, err: FsError) -> wasmtime::Result<ErrorCode> {
        types::Host::convert_error_code(&mut self.inner, err)
    }

    fn filesystem_error_code(
        &mut self,
        err: Resource<wasmtime::Error>,
    ) -> wasmtime::Result<Option<ErrorCode>> {
        types::Host::filesystem_error_code(&mut self.inner, err)
    }
}

impl HostDirectoryEntryStream for GuardedView<'_> {
    async fn read_directory_entry(
        &mut self,
        stream: Resource<types::DirectoryEntryStream>,
    ) -> FsResult<Option<types::DirectoryEntry>> {
        HostDirectoryEntryStream::read_directory_entry(&mut self.inner, stream).await
    }

    fn drop(&mut self, stream: Resource<types::DirectoryEntryStream>) -> wasmtime::Result<()> {
        HostDirectoryEntryStream::drop(&mut self.inner, stream)
    }
}

/// The operations that change what is at a path are checked; everything else (reads, and
/// writes through a descriptor the checked `open-at` gave) is wasmtime-wasi's own.
impl HostDescriptor for GuardedView<'_> {
    async fn open_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path_flags: types::PathFlags,
        path: String,
        oflags: types::OpenFlags,
        flags: types::DescriptorFlags,
    ) -> FsResult<Resource<types::Descriptor>> {
        if !self.policy.active() || !writes(oflags, flags) {
            let rep = fd.rep();
            let opened = HostDescriptor::open_at(
                &mut self.inner,
                fd,
                path_flags,
                path.clone(),
                oflags,
                flags,
            )
            .await;
            return match opened {
                Err(err) => Err(self.outside_grants(rep, &path).unwrap_or(err)),
                Ok(opened) if self.guard_host_places => self.outside_host_places(opened),
                ok => ok,
            };
        }
        let mut parent = self.parent(&fd, &path).await?;
        let result = self
            .open_for_writing(&mut parent, path_flags, oflags, flags)
            .await;
        self.close(parent);
        result
    }

    async fn create_directory_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path: String,
    ) -> FsResult<()> {
        self.change_at(PathChange::CreateDirectory, fd, path).await
    }

    async fn set_times_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path_flags: types::PathFlags,
        path: String,
        atim: types::NewTimestamp,
        mtim: types::NewTimestamp,
    ) -> FsResult<()> {
        if !self.policy.active() {
            return HostDescriptor::set_times_at(&mut self.inner, fd, path_flags, path, atim, mtim)
                .await;
        }
        let parent = self.writable_parent(&fd, &path).await?;
        let mut result = Ok(());
        if path_flags.contains(types::PathFlags::SYMLINK_FOLLOW) {
            result = self.not_a_link(&parent).await;
        }
        if result.is_ok() {
            result = HostDescriptor::set_times_at(
                &mut self.inner,
                parent.dir(),
                path_flags,
                parent.name.clone(),
                atim,
                mtim,
            )
            .await;
        }
        self.close(parent);
        result
    }

    async fn link_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        old_path_flags: types::PathFlags,
        old_path: String,
        new_descriptor: Resource<types::Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        if !self.policy.active() {
            return HostDescriptor::link_at(
                &mut self.inner,
                fd,
                old_path_flags,
                old_path,
                new_descriptor,
                new_path,
            )
            .await;
        }
        // A hard link to a file is that file: the source must be writable too.
        let (old, new) = self
            .writable_pair(&fd, &old_path, &new_descriptor, &new_path)
            .await?;
        if let Err(err) = self.not_a_link(&old).await {
            self.close(old);
            self.close(new);
            return Err(err);
        }
        let result = HostDescriptor::link_at(
            &mut self.inner,
            old.dir(),
            types::PathFlags::empty(),
            old.name.clone(),
            new.dir(),
            new.name.clone(),
        )
        .await;
        self.close(old);
        self.close(new);
        result
    }

    async fn remove_directory_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path: String,
    ) -> FsResult<()> {
        self.change_at(PathChange::RemoveDirectory, fd, path).await
    }

    async fn rename_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        old_path: String,
        new_fd: Resource<types::Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        if !self.policy.active() {
            return HostDescriptor::rename_at(&mut self.inner, fd, old_path, new_fd, new_path)
                .await;
        }
        let (old, new) = self
            .writable_pair(&fd, &old_path, &new_fd, &new_path)
            .await?;
        let result = HostDescriptor::rename_at(
            &mut self.inner,
            old.dir(),
            old.name.clone(),
            new.dir(),
            new.name.clone(),
        )
        .await;
        self.close(old);
        self.close(new);
        result
    }

    async fn symlink_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        src_path: String,
        dest_path: String,
    ) -> FsResult<()> {
        if !self.policy.active() {
            return HostDescriptor::symlink_at(&mut self.inner, fd, src_path, dest_path).await;
        }
        let parent = self.writable_parent(&fd, &dest_path).await?;
        let mut result = self.check(self.policy.check_link(&parent.target(), &src_path));
        if result.is_ok() {
            result = HostDescriptor::symlink_at(
                &mut self.inner,
                parent.dir(),
                src_path,
                parent.name.clone(),
            )
            .await;
        }
        self.close(parent);
        result
    }

    async fn unlink_file_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path: String,
    ) -> FsResult<()> {
        self.change_at(PathChange::UnlinkFile, fd, path).await
    }

    // What follows is wasmtime-wasi's implementation, unchanged.

    async fn advise(
        &mut self,
        fd: Resource<types::Descriptor>,
        offset: types::Filesize,
        len: types::Filesize,
        advice: types::Advice,
    ) -> FsResult<()> {
        HostDescriptor::advise(&mut self.inner, fd, offset, len, advice).await
    }

    async fn sync_data(&mut self, fd: Resource<types::Descriptor>) -> FsResult<()> {
        HostDescriptor::sync_data(&mut self.inner, fd).await
    }

    async fn get_flags(
        &mut self,
        fd: Resource<types::Descriptor>,
    ) -> FsResult<types::DescriptorFlags> {
        HostDescriptor::get_flags(&mut self.inner, fd).await
    }

    async fn get_type(
        &mut self,
        fd: Resource<types::Descriptor>,
    ) -> FsResult<types::DescriptorType> {
        HostDescriptor::get_type(&mut self.inner, fd).await
    }

    async fn set_size(
        &mut self,
        fd: Resource<types::Descriptor>,
        size: types::Filesize,
    ) -> FsResult<()> {
        HostDescriptor::set_size(&mut self.inner, fd, size).await
    }

    async fn set_times(
        &mut self,
        fd: Resource<types::Descriptor>,
        atim: types::NewTimestamp,
        mtim: types::NewTimestamp,
    ) -> FsResult<()> {
        HostDescriptor::set_times(&mut self.inner, fd, atim, mtim).await
    }

    async fn read(
        &mut self,
        fd: Resource<types::Descriptor>,
        len: types::Filesize,
        offset: types::Filesize,
    ) -> FsResult<(Vec<u8>, bool)> {
        HostDescriptor::read(&mut self.inner, fd, len, offset).await
    }

    async fn write(
        &mut self,
        fd: Resource<types::Descriptor>,
        buf: Vec<u8>,
        offset: types::Filesize,
    ) -> FsResult<types::Filesize> {
        HostDescriptor::write(&mut self.inner, fd, buf, offset).await
    }

    async fn read_directory(
        &mut self,
        fd: Resource<types::Descriptor>,
    ) -> FsResult<Resource<types::DirectoryEntryStream>> {
        HostDescriptor::read_directory(&mut self.inner, fd).await
    }

    async fn sync(&mut self, fd: Resource<types::Descriptor>) -> FsResult<()> {
        HostDescriptor::sync(&mut self.inner, fd).await
    }

    async fn stat(&mut self, fd: Resource<types::Descriptor>) -> FsResult<types::DescriptorStat> {
        HostDescriptor::stat(&mut self.inner, fd).await
    }

    async fn stat_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path_flags: types::PathFlags,
        path: String,
    ) -> FsResult<types::DescriptorStat> {
        HostDescriptor::stat_at(&mut self.inner, fd, path_flags, path).await
    }

    fn drop(&mut self, fd: Resource<types::Descriptor>) -> wasmtime::Result<()> {
        HostDescriptor::drop(&mut self.inner, fd)
    }

    async fn readlink_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path: String,
    ) -> FsResult<String> {
        HostDescriptor::readlink_at(&mut self.inner, fd, path).await
    }

    fn read_via_stream(
        &mut self,
        fd: Resource<types::Descriptor>,
        offset: types::Filesize,
    ) -> FsResult<Resource<DynInputStream>> {
        HostDescriptor::read_via_stream(&mut self.inner, fd, offset)
    }

    fn write_via_stream(
        &mut self,
        fd: Resource<types::Descriptor>,
        offset: types::Filesize,
    ) -> FsResult<Resource<DynOutputStream>> {
        HostDescriptor::write_via_stream(&mut self.inner, fd, offset)
    }

    fn append_via_stream(
        &mut self,
        fd: Resource<types::Descriptor>,
    ) -> FsResult<Resource<DynOutputStream>> {
        HostDescriptor::append_via_stream(&mut self.inner, fd)
    }

    async fn is_same_object(
        &mut self,
        a: Resource<types::Descriptor>,
        b: Resource<types::Descriptor>,
    ) -> wasmtime::Result<bool> {
        HostDescriptor::is_same_object(&mut self.inner, a, b).await
    }

    async fn metadata_hash(
        &mut self,
        fd: Resource<types::Descriptor>,
    ) -> FsResult<types::MetadataHashValue> {
        HostDescriptor::metadata_hash(&mut self.inner, fd).await
    }

    async fn metadata_hash_at(
        &mut self,
        fd: Resource<types::Descriptor>,
        path_flags: types::PathFlags,
        path: String,
    ) -> FsResult<types::MetadataHashValue> {
        HostDescriptor::metadata_hash_at(&mut self.inner, fd, path_flags, path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_directory_and_name() {
        assert_eq!(split("a/b/c"), Some(("a/b", "c")));
        assert_eq!(split("c"), Some((".", "c")));
        assert_eq!(split("a/b/"), Some(("a", "b")));
        assert_eq!(split("/x"), Some(("/", "x")));
        assert_eq!(split("a/.."), None);
        assert_eq!(split("."), None);
        assert_eq!(split(""), None);
    }
}
