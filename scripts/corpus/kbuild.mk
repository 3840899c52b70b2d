# Read by scripts/corpus/classify.sh after scripts/Makefile.build (make -f ... -f this):
# prints Kbuild's object and subdirectory lists of one directory, after
# the directory's Makefile has been evaluated with the tree's config.
corpus-print:
	@echo "Y $(real-obj-y)"
	@echo "M $(real-obj-m)"
	@echo "L $(lib-y)"
	@echo "S $(subdir-ym)"
$(lastword $(MAKEFILE_LIST)): ;
