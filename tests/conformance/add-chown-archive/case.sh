mkdir -p pkg && echo f > pkg/file
tar --owner=0 --group=0 -cf archive.tar pkg
rm -r pkg
