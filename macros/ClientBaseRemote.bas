Attribute VB_Name = "ClientBaseRemote"
' clientbase buttons through xlwings Server: each sends this workbook to the office's clientbase
' server (clientbase excel-serve) and applies the answer. Use this module instead of
' ClientBase.bas when Python runs on a server rather than on each computer. The remote
' interpreter is xlwings PRO: free for noncommercial use, otherwise it needs a paid licence key.
' clientbase excel-setup WORKBOOK --server URL fills in the two constants below.
' xlwings' VBA client writes no notes: problems are coloured, their messages are on the
' Problems sheet with a link to each cell, and a message box says so. Notes need the desktop
' buttons (ClientBase.bas) or an Office.js add-in with ExcelApi 1.18.
Option Explicit

Private Const SERVER_URL As String = "http://localhost:8000/clientbase/"
Private Const SERVER_TOKEN As String = ""

Sub ClientBaseCheckNow()
    RunServerPython SERVER_URL & "check_now", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseFindDuplicates()
    RunServerPython SERVER_URL & "find_duplicates", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseRecomputeSegments()
    RunServerPython SERVER_URL & "recompute_segments", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseMergeSelectedDuplicates()
    RunServerPython SERVER_URL & "merge_selected_duplicates", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseClearHighlights()
    RunServerPython SERVER_URL & "clear_highlights", auth:=SERVER_TOKEN
End Sub

' Called by the server's answer (xlwings' runMacro) for what the VBA client has no action for.
' Removes the fill of the cells the tool painted; address: "C3:C9,E7" (one sheet).
Sub ClientBaseClearFill(wb As Workbook, sheetName As Variant, address As Variant)
    wb.Worksheets(CStr(sheetName)).Range(CStr(address)).Interior.Pattern = xlNone
End Sub

' Hides the tool's record sheet (_clientbase) when it is first added.
Sub ClientBaseHideSheet(wb As Workbook, sheetName As Variant)
    wb.Worksheets(CStr(sheetName)).Visible = xlSheetHidden
End Sub
