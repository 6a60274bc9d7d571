setfattr -n user.note -v hello a.txt
